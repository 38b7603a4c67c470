import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// Customer control with the real `governor serve`: a deferral that survives a restart and is
/// released by the scheduler, and a one-click unsubscribe through the link in forwarded mail.
@Suite("Customer control end to end")
struct CustomerControlEndToEndTests {
  let server = ServedGovernor()

  static func message(_ id: String) -> String {
    """
    {"id":"\(id)","customer_id":"c1","to":"c1@example.com","from":"news@shop.example",\
    "subject":"Offer","text":"Hello","category":"marketing","campaign_id":"winter"}
    """
  }

  func outcome(_ answer: [String: Any]) -> String? {
    ((answer["record"] as? [String: Any])?["decision"] as? [String: Any])?["outcome"] as? String
  }

  func setUp() async throws -> (store: String, policy: String, admin: String) {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("control-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let store = folder + "/governor.sqlite"
    let policy = GovernorBinary.repositoryRoot.appendingPathComponent(
      "fixtures/policies/customer-control.yaml"
    ).path
    return (store, policy, try await server.createKey(store, scope: "admin"))
  }

  @Test("a deferred message survives a restart, is released by the scheduler and forwarded")
  func deferralSurvivesRestart() async throws {
    let (store, policy, admin) = try await setUp()
    try await LoopbackSink.with { sinkURL, sink in
      let arguments = [
        "--store", store, "--policy", policy, "--sender", "webhook:\(sinkURL)/mail",
        "--release-every", "0.2",
      ]
      let (firstStatus, _) = try await server.withServer(arguments) { base, transport in
        let consent = #"""
          {"customer_id":"c1","purpose":"marketing","status":"granted",
           "at":"2026-01-01T00:00:00Z","source":"signup form"}
          """#
        #expect(
          try await server.post(transport, base + "/v1/consents", consent, key: admin).0 == 201)
        let first = try await server.post(
          transport, base + "/v1/messages", Self.message("d1"), key: admin)
        #expect(outcome(first.1) == "forwarded")
        let second = try await server.post(
          transport, base + "/v1/messages", Self.message("d2"), key: admin)
        #expect(outcome(second.1) == "deferred")
        let customer = try await server.get(transport, base + "/v1/customers/c1", key: admin)
        let held = customer.1["deferred"] as? [[String: Any]] ?? []
        #expect(held.compactMap { $0["message_id"] as? String } == ["d2"])
      }
      #expect(firstStatus == 0)
      // Stopped within the 8 s window: d2 is still held. The next process releases it.
      #expect(await sink.received.count == 1)
      let (secondStatus, log) = try await server.withServer(arguments) { base, transport in
        let deadline = Date() + 25
        while await sink.received.count < 2 && Date() < deadline {
          try await Task.sleep(for: .milliseconds(100))
        }
        let decisions = try await server.get(
          transport, base + "/v1/decisions?customer_id=c1", key: admin)
        let rows = decisions.1["decisions"] as? [[String: Any]] ?? []
        let d2 = rows.filter { $0["message_id"] as? String == "d2" }
        #expect(d2.compactMap { $0["outcome"] as? String } == ["forwarded", "deferred"])
        let released = (d2.first?["record"] as? [String: Any])?["follows"] as? String
        #expect(released != nil && released == d2.last?["id"] as? String)
        let customer = try await server.get(transport, base + "/v1/customers/c1", key: admin)
        #expect((customer.1["deferred"] as? [Any])?.isEmpty == true)
      }
      #expect(secondStatus == 0)
      #expect(log.contains("deferred message decided again"))
      let delivered = await sink.received.map { $0.headers["idempotency-key"] ?? "" }
      #expect(delivered == ["d1", "d2"])
    }
  }

  @Test("the one-click link in forwarded mail unsubscribes at once; a forged one is refused")
  func oneClickThroughTheForwardedLink() async throws {
    let (store, policy, admin) = try await setUp()
    try await LoopbackSink.with { sinkURL, sink in
      let (status, _) = try await server.withServer([
        "--store", store, "--policy", policy, "--sender", "webhook:\(sinkURL)/mail",
      ]) { base, transport in
        try await Self.consentAndSend(server, transport, base, admin: admin, id: "u1")
        let forwarded = try #require(await sink.received.first)
        let body = try #require(
          try JSONSerialization.jsonObject(with: forwarded.body) as? [String: Any])
        let headers = body["headers"] as? [String: String] ?? [:]
        #expect(headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        let link = try #require(headers["List-Unsubscribe"])
        let token = try #require(link.split(separator: "/").last?.dropLast())
        #expect((body["mime"] as? String)?.contains("List-Unsubscribe: <https://") == true)

        func oneClick(_ token: String) async throws -> Int {
          try await Self.oneClick(transport, base, token)
        }
        // Another first character (a token starting with "A" made this no forgery at all).
        let forged = (token.first == "A" ? "B" : "A") + token.dropFirst()
        #expect(try await oneClick(forged) == 400)
        #expect(try await oneClick(String(token)) == 200)
        #expect(try await oneClick(String(token)) == 200)
        let next = try await server.post(
          transport, base + "/v1/messages", Self.message("u2"), key: admin)
        #expect(outcome(next.1) == "blocked")
        let customer = try await server.get(transport, base + "/v1/customers/c1", key: admin)
        #expect((customer.1["suppressions"] as? [Any])?.count == 1)
      }
      #expect(status == 0)
    }
  }

  @Test("serve refuses to start without a secret when the policy signs unsubscribe links")
  func refusesWithoutSecret() async throws {
    let (store, policy, _) = try await setUp()
    var environment = ProcessInfo.processInfo.environment
    environment["GOVERNOR_UNSUBSCRIBE_SECRET"] = nil
    let run = try await GovernorBinary.run(
      ["serve", "--port", "0", "--store", store, "--policy", policy], environment: environment)
    #expect(run.status == 2)
    #expect(run.stderr.contains("GOVERNOR_UNSUBSCRIBE_SECRET"))
  }
}

extension CustomerControlEndToEndTests {
  /// Marketing consent for `c1`, then one message to them.
  static func consentAndSend(
    _ server: ServedGovernor, _ transport: CurlTransport, _ base: String, admin: String,
    id: String
  ) async throws {
    let consent = #"""
      {"customer_id":"c1","purpose":"marketing","status":"granted",
       "at":"2026-01-01T00:00:00Z","source":"signup form"}
      """#
    _ = try await server.post(transport, base + "/v1/consents", consent, key: admin)
    _ = try await server.post(transport, base + "/v1/messages", message(id), key: admin)
  }

  /// `POST /u/TOKEN` as a mail client's one-click does.
  static func oneClick(_ transport: CurlTransport, _ base: String, _ token: String) async throws
    -> Int
  {
    try await transport.send(
      SenderRequest(
        method: "POST", url: base + "/u/\(token)",
        headers: [("Content-Type", "application/x-www-form-urlencoded")],
        body: Data("List-Unsubscribe=One-Click".utf8))
    ).status
  }

  @Test("after a secret rotation, links in mail already sent still unsubscribe (old secret kept)")
  func rotatedSecret() async throws {
    let (store, policy, admin) = try await setUp()
    let server = self.server
    try await LoopbackSink.with { sinkURL, sink in
      _ = try await server.withServer([
        "--store", store, "--policy", policy, "--sender", "webhook:\(sinkURL)/mail",
      ]) { base, transport in
        try await Self.consentAndSend(server, transport, base, admin: admin, id: "r1")
      }
      let forwarded = try #require(await sink.received.first)
      let body = try JSONSerialization.jsonObject(with: forwarded.body) as? [String: Any]
      let link = try #require((body?["headers"] as? [String: String])?["List-Unsubscribe"])
      let token = String(try #require(link.split(separator: "/").last?.dropLast()))
      var rotated = ProcessInfo.processInfo.environment
      rotated["GOVERNOR_UNSUBSCRIBE_SECRET"] = String(repeating: "n", count: 40)
      // Without the old secret, the old link opens nothing.
      _ = try await server.withServer(
        ["--store", store, "--policy", policy], environment: rotated
      ) { base, transport in
        let status = try await Self.oneClick(transport, base, token)
        #expect(status == 400)
      }
      rotated["GOVERNOR_UNSUBSCRIBE_PREVIOUS_SECRETS"] =
        "\(String(repeating: "o", count: 40)) \(ServedGovernor.unsubscribeSecret)"
      _ = try await server.withServer(
        ["--store", store, "--policy", policy], environment: rotated
      ) { base, transport in
        let status = try await Self.oneClick(transport, base, token)
        #expect(status == 200)
        let customer = try await server.get(transport, base + "/v1/customers/c1", key: admin)
        #expect((customer.1["suppressions"] as? [Any])?.count == 1)
      }
    }
  }
}
