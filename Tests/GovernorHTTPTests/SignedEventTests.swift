import Crypto
import Foundation
import GovernorService
import Testing

/// SendGrid's signed event webhook: a forged, altered, replayed or unsigned batch suppresses
/// nobody.
@Suite struct SignedEventTests {
  // SendGrid's own test vector, as its SDKs (Python, Node, Ruby, Java, C#, Go) all check it.
  static let vectorKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="
  static let vectorSignature =
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0="
  static let vectorPayload =
    #"{"category":"example_payload","event":"test_event","message_id":"message_id"}"#
  static let vectorTimestamp = "1588788367"

  @Test("SendGrid's published test vector verifies; another key, payload or signature does not")
  func sendGridVector() throws {
    let signature = try SendGridEventSignature(publicKey: Self.vectorKey)
    let signedAt = Date(timeIntervalSince1970: 1_588_788_367)
    let body = Data(Self.vectorPayload.utf8)
    try signature.verify(
      signature: Self.vectorSignature, timestamp: Self.vectorTimestamp, body: body,
      now: signedAt.addingTimeInterval(10))
    #expect(throws: SendGridEventSignature.Refusal.invalid) {
      try signature.verify(
        signature: Self.vectorSignature, timestamp: Self.vectorTimestamp,
        body: Data("payload".utf8), now: signedAt)
    }
    #expect(throws: SendGridEventSignature.Refusal.invalid) {
      try signature.verify(
        signature: Self.vectorSignature, timestamp: "1388788367", body: body, now: signedAt)
    }
    let other = try SendGridEventSignature(
      publicKey: P256.Signing.PrivateKey().publicKey.derRepresentation.base64EncodedString())
    #expect(throws: SendGridEventSignature.Refusal.invalid) {
      try other.verify(
        signature: Self.vectorSignature, timestamp: Self.vectorTimestamp, body: body,
        now: signedAt)
    }
    #expect(throws: SendGridEventSignature.Refusal.stale(ageSeconds: 3600)) {
      try signature.verify(
        signature: Self.vectorSignature, timestamp: Self.vectorTimestamp, body: body,
        now: signedAt.addingTimeInterval(3600))
    }
    #expect(throws: SendGridEventSignature.Refusal.unreadableKey) {
      try SendGridEventSignature(publicKey: "not a key")
    }
  }

  /// A batch signed as SendGrid signs it, with a key the test generates.
  struct Signer {
    let key = P256.Signing.PrivateKey()
    var publicKey: String { key.publicKey.derRepresentation.base64EncodedString() }

    func headers(_ body: String, at time: Date) throws -> [(String, String)] {
      let timestamp = String(Int(time.timeIntervalSince1970))
      let signature = try key.signature(for: Data((timestamp + body).utf8))
      return [
        (SendGridEventSignature.signatureHeader, signature.derRepresentation.base64EncodedString()),
        (SendGridEventSignature.timestampHeader, timestamp),
      ]
    }
  }

  static let bounce = """
    [{"email":"c1@example.com","event":"bounce","type":"bounce","sg_event_id":"sig-1",
      "timestamp":1794990000,"governor_customer_id":"c1"}]
    """

  @Test("with the key configured, only batches SendGrid signed are applied")
  func signedBatches() async throws {
    let signer = Signer()
    let signature = try SendGridEventSignature(publicKey: signer.publicKey)
    try await GatewayServer.with(sendGridEvents: signature) { server in
      let now = GatewayServer.now
      func post(_ body: String, _ headers: [(String, String)]) async throws -> GatewayServer.Reply {
        try await server.call(
          "POST", "/v1/events/sendgrid", scope: "events:write", body: body, headers: headers)
      }
      let forger = Signer()
      let altered = Self.bounce.replacingOccurrences(of: "c1@", with: "c2@")
        .replacingOccurrences(of: "\"c1\"", with: "\"c2\"")
      let refused: [(String, [(String, String)], String)] = [
        (Self.bounce, [], "is missing"),
        (Self.bounce, try forger.headers(Self.bounce, at: now), "does not match"),
        (altered, try signer.headers(Self.bounce, at: now), "does not match"),
        (Self.bounce, try signer.headers(Self.bounce, at: now - 3600), "replay is refused"),
        (
          Self.bounce,
          [
            (SendGridEventSignature.signatureHeader, "@@"),
            (SendGridEventSignature.timestampHeader, "1"),
          ], "cannot be read"
        ),
      ]
      for (body, headers, reason) in refused {
        let reply = try await post(body, headers)
        #expect(reply.status == 401, "\(reply.text)")
        #expect(reply.contentType == "application/problem+json")
        #expect((reply.json["detail"] as? String)?.contains(reason) == true, "\(reply.text)")
      }
      #expect(try await FeedbackRouteTests.reasons(server, "c1").isEmpty)
      #expect(try await FeedbackRouteTests.reasons(server, "c2").isEmpty)

      let signed = try await post(Self.bounce, try signer.headers(Self.bounce, at: now - 60))
      #expect(signed.status == 200, "\(signed.text)")
      #expect(try await FeedbackRouteTests.reasons(server, "c1") == ["hard_bounce/all"])
    }
  }

  @Test("without a key configured, batches are taken on the API key alone, as before")
  func unsignedWithoutKey() async throws {
    try await GatewayServer.with { server in
      let reply = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: Self.bounce)
      #expect(reply.status == 200)
    }
  }
}
