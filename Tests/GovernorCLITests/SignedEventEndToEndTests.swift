import Crypto
import Foundation
import GovernorDelivery
import Testing

/// `governor serve` with SendGrid's verification key, in its environment as an operator sets
/// it: an unsigned batch is refused, a signed one applied.
@Suite("Signed SendGrid events end to end")
struct SignedEventEndToEndTests {
  let server = ServedGovernor()

  @Test("serve reads the key from its environment and refuses what SendGrid did not sign")
  func keyFromEnvironment() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: "fixtures/policies/smtp-e2e.yaml")
    let key = P256.Signing.PrivateKey()
    var environment = ProcessInfo.processInfo.environment
    environment["GOVERNOR_SENDGRID_WEBHOOK_KEY"] = key.publicKey.pemRepresentation
    environment["GOVERNOR_UNSUBSCRIBE_SECRET"] = ServedGovernor.unsubscribeSecret
    let process = try await GovernorProcess.start(
      [
        "--store", setup.store, "--policy", "fixtures/policies/smtp-e2e.yaml", "--sender",
        "outbox:\(setup.outbox)",
      ], environment: environment)
    let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
    defer { transport.shutdown() }
    do {
      let body = """
        [{"email":"fwd1@example.com","event":"spamreport","sg_event_id":"e2e-1"}]
        """
      func post(_ headers: [(String, String)]) async throws -> Int {
        try await transport.send(
          SenderRequest(
            method: "POST", url: process.base + "/v1/events/sendgrid",
            headers: headers + [
              ("Content-Type", "application/json"), ("Authorization", "Bearer \(setup.admin)"),
            ], body: Data(body.utf8))
        ).status
      }
      #expect(try await post([]) == 401)
      let timestamp = String(Int(Date().timeIntervalSince1970))
      let signature = try key.signature(for: Data((timestamp + body).utf8))
      let status = try await post([
        (
          "X-Twilio-Email-Event-Webhook-Signature",
          signature.derRepresentation.base64EncodedString()
        ),
        ("X-Twilio-Email-Event-Webhook-Timestamp", timestamp),
      ])
      #expect(status == 200)
    } catch {
      try await process.stop()
      throw error
    }
    try await process.stop()
    #expect(!process.log.contains(key.publicKey.pemRepresentation))
  }
}

@Suite("Signed SNS messages: serve's options")
struct SNSVerificationOptionTests {
  @Test("--verify-sns-signatures with roots that cannot be read stops serve, naming the file")
  func unreadableRoots() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("sns-roots-\(UUID().uuidString)").path
    let run = try await GovernorBinary.run(
      [
        "serve", "--store", folder + "/governor.sqlite", "--port", "0",
        "--verify-sns-signatures", "--sns-trust-roots", folder + "/missing.pem",
      ],
      environment: ProcessInfo.processInfo.environment.merging(
        ["GOVERNOR_UNSUBSCRIBE_SECRET": ServedGovernor.unsubscribeSecret]) { $1 })
    #expect(run.status == 2)
    #expect(run.stderr.contains("--sns-trust-roots \(folder)/missing.pem"), "\(run.stderr)")
  }
}
