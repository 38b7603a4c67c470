import Foundation
import GovernorCore
import GovernorDelivery
import GovernorHTTP
import GovernorService
import GovernorStore
import ServiceFixtures
import TestPeers
import Testing

/// Issue 9 through the whole pipeline: what the mail sender receives for a recipient without
/// tracking consent, and for one with it.
@Suite("Gateway: tracking limits that hold all the way to the inbox")
struct TrackingToTheInboxTests {
  let now = GatewayServer.now

  static let listUnsubscribe =
    "<https://esp.example/u/1?e=c1%40example.com&utm_source=x>, <mailto:u@esp.example>"

  func message(_ id: String, customer: String) -> Message {
    Message(
      id: id, customerId: customer, to: "\(customer)@example.com", from: "news@shop.example",
      subject: "Hello",
      html:
        #"<p><a href="https://shop.example/sale?em=\#(customer)%40example.com&amp;day=3">Sale</a></p>"#
        + #"<p><a href="https://esp.example/prefs?e=\#(customer)%40example.com&amp;utm_source=x">"#
        + "Manage preferences</a></p>",
      text: "Sale: https://shop.example/sale?em=\(customer)%40example.com&day=3",
      headers: [
        "List-Unsubscribe": Self.listUnsubscribe,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      ],
      category: "marketing")
  }

  @Test(
    "without consent the sender is told not to track and the identifiers are gone; with it, kept")
  func webhookReceives() async throws {
    let policy = try ServiceFixture.policy(max: 5)
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("inbox-\(UUID().uuidString)").path
    let store = try await ServiceFixture.store(
      at: folder, consenting: ["c1", "c2"], policy: policy, now: now)
    try await store.recordConsent(
      RecordValidator(policy: policy).consent(
        ConsentEvent(purpose: "tracking", status: .granted, at: now - 3_600, source: "form"),
        now: now),
      customerId: "c2")
    try await LoopbackSink.with(script: [.init(status: 200), .init(status: 200)]) { base, sink in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let gateway = Gateway(
        store: store, policy: policy,
        sender: WebhookSender(url: base + "/mail", delivery: HTTPDelivery(transport: transport)),
        clock: { now })
      let untracked = try await gateway.submit(message("m1", customer: "c1"))
      let tracked = try await gateway.submit(message("m2", customer: "c2"))
      #expect(untracked.decision.outcome == .forwarded)
      #expect(tracked.decision.outcome == .forwarded)

      let bodies = try await sink.received.map {
        try #require(try JSONSerialization.jsonObject(with: $0.body) as? [String: Any])
      }
      try #require(bodies.count == 2)
      // c1: no consent.
      #expect(
        bodies[0]["tracking"] as? [String: Bool] == [
          "opens": false, "clicks": false, "link_parameters": false,
        ])
      let html = try #require(bodies[0]["html"] as? String)
      #expect(html.contains(#"href="https://shop.example/sale?day=3""#))
      #expect(
        html.contains(#"href="https://esp.example/prefs?e=c1%40example.com&amp;utm_source=x""#))
      #expect(bodies[0]["text"] as? String == "Sale: https://shop.example/sale?day=3")
      let headers = try #require(bodies[0]["headers"] as? [String: String])
      #expect(headers["List-Unsubscribe"] == Self.listUnsubscribe)
      let kinds = try Self.kinds(untracked.decision.content)
      #expect(
        kinds == [
          "recipient_identifier_removed", "recipient_identifier_removed",
          "sender_tracking_disabled",
        ])

      // c2: consent.
      #expect(
        bodies[1]["tracking"] as? [String: Bool] == [
          "opens": true, "clicks": true, "link_parameters": true,
        ])
      #expect((bodies[1]["html"] as? String)?.contains("em=c2%40example.com") == true)
      #expect(
        try Self.kinds(tracked.decision.content) == [
          "recipient_identifier_found", "recipient_identifier_found",
        ])
    }
  }

  /// The kinds of change in an audit record's decision, in order.
  static func kinds(_ content: String) throws -> [String] {
    let record = try #require(
      try JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any])
    let decision = try #require(record["decision"] as? [String: Any])
    return (decision["modifications"] as? [[String: Any]] ?? []).compactMap {
      $0["kind"] as? String
    }
  }
}
