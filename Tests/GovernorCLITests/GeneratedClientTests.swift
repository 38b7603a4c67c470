import Crypto
import Foundation
import GovernorClient
import OpenAPIRuntime
import OpenAPIURLSession
import TestPeers
import Testing

/// The Swift client generated from `openapi.yaml` (`make client`), used as a campaign tool
/// would use it, against the real binary: the spec's types must decode every answer the
/// gateway gives, or these calls throw.
@Suite("Generated Swift client")
struct GeneratedClientTests {
  let server = ServedGovernor()

  @Test("the committed client was generated from the spec as it is now")
  func generatedFromTheCurrentSpec() throws {
    let root = GovernorBinary.repositoryRoot
    let spec = try Data(contentsOf: root.appendingPathComponent("openapi.yaml"))
    let recorded = try String(
      contentsOf: root.appendingPathComponent(
        "Sources/GovernorClient/Generated/openapi.yaml.sha256"),
      encoding: .utf8
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    let digest = SHA256.hash(data: spec).map { String(format: "%02x", $0) }.joined()
    #expect(digest == recorded, "openapi.yaml changed after the client was generated: make client")
  }

  @Test("consent, messages, the customer, the audit log and an invalid message, through the client")
  func campaignToolRoundTrip() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("client-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/governor.sqlite"
    let key = try await server.createKey(store, scope: "admin")

    try await LoopbackSink.with { sinkURL, sink in
      try await server.withServer([
        "--store", store, "--policy",
        // No quiet hours: the outcome does not depend on when the suite runs.
        GovernorBinary.repositoryRoot.appendingPathComponent("fixtures/policies/gateway-e2e.yaml")
          .path,
        "--sender", "webhook:\(sinkURL)/mail",
      ]) { base, _ in
        let client = Client(
          serverURL: try #require(URL(string: base)), transport: URLSessionTransport(),
          middlewares: [BearerKey(key)])

        let consent = try await client.recordConsent(
          body: .json(
            .init(
              customerId: "c1", purpose: "marketing", status: .granted,
              at: Date(timeIntervalSinceNow: -86_400), source: "signup form",
              proof: "double opt-in confirmed")))
        #expect(try consent.created.body.json.recorded)

        func message(_ id: String, customer: String) -> Components.Schemas.Message {
          .init(
            id: id, customerId: customer, to: "\(customer)@example.com",
            from: "News <news@shop.example>", subject: "What is new",
            html: "<p>Hello <img src=\"https://t.example/open.gif?u=1\" width=1 height=1></p>",
            category: "marketing", campaignId: "client-test")
        }
        let sent = try await client.submitMessage(body: .json(message("client-1", customer: "c1")))
          .ok.body.json
        #expect(sent.record.decision.outcome == .forwarded)
        #expect(sent.delivery?.status == .sent)
        #expect(sent.record.decision.modifications.contains { $0.kind == "open_pixel_removed" })
        #expect(!sent.repeated)

        // Sent again: the first decision, marked repeated, and nothing forwarded twice.
        let again = try await client.submitMessage(body: .json(message("client-1", customer: "c1")))
          .ok.body.json
        #expect(again.repeated && again.record.id == sent.record.id)

        // No consent: blocked, with the reason the audit log keeps.
        let blocked = try await client.submitMessage(
          body: .json(message("client-2", customer: "c2"))
        ).ok.body.json
        #expect(blocked.record.decision.outcome == .blocked)
        #expect(blocked.record.decision.reasons.contains { $0.code == "consent_missing" })

        // A batch: one result per item, in order.
        let batch = try await client.submitBatch(
          body: .json(
            .init(messages: [
              message("client-4", customer: "c1"), message("client-5", customer: "c2"),
            ]))
        ).ok.body.json
        #expect(batch.results.map(\.index) == [0, 1])
        #expect(batch.results.map { $0.record?.decision.outcome } == [.forwarded, .blocked])

        // A header injection is refused with a problem naming the field.
        var injected = message("client-3", customer: "c1")
        injected.subject = "Hi\r\nBcc: someone@example.org"
        let refused = try await client.submitMessage(body: .json(injected))
        let problem = try refused.unprocessableContent.body.applicationProblemJson
        #expect(problem.errors?.contains { $0.field == "subject" } == true)

        let customer = try await client.getCustomer(path: .init(id: "c1")).ok.body.json
        #expect(customer.consents.contains { $0.purpose == "marketing" && $0.status == .granted })
        #expect(customer.recentSends.contains { $0.messageId == "client-1" })

        let page = try await client.listDecisions(query: .init(campaign: "client-test")).ok.body
          .json
        #expect(
          Set(page.decisions.map(\.messageId)) == ["client-1", "client-2", "client-4", "client-5"])
        let decision = try await client.getDecision(path: .init(id: sent.record.id)).ok.body.json
        #expect(decision.record.decision.outcome == .forwarded && decision.hash.count == 64)

        let export = try await client.exportCustomer(path: .init(id: "c1")).ok.body.json
        #expect(export.decisions.map(\.id).contains(sent.record.id))

        let missing = try await client.getCustomer(path: .init(id: "nobody"))
        #expect(try missing.notFound.body.applicationProblemJson.status == 404)
      }
      #expect(await sink.received.count == 2)
    }
  }
}
