import Crypto
import Foundation
import GovernorService
import Synchronization
import Testing
import X509
import _CryptoExtras

/// Amazon SNS's message signatures on the SES feedback route: with verification on, a forged,
/// altered, replayed or unsigned notification suppresses nobody and a forged subscription
/// confirmation fetches nothing. The tests make their own root, signing certificate and key,
/// as SNS's would be, and serve the certificate at an sns.REGION.amazonaws.com URL.
@Suite struct SignedSNSTests {
  static let certificateURL =
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"

  @Test("SignatureVersion 1 and 2 notifications apply; the certificate is fetched once")
  func signedNotificationsApply() async throws {
    let authority = try await SNSAuthority.make(now: GatewayServer.now)
    let fetches = FetchedURLs()
    let signature = authority.verifier(fetches: fetches)
    try await GatewayServer.with(snsEvents: signature) { server in
      for (version, id) in [("1", "sns-v1"), ("2", "sns-v2")] {
        let body = try authority.sign(
          Self.bounce(id: id, at: GatewayServer.now), version: version)
        let reply = try await server.call(
          "POST", "/v1/events/ses", scope: "events:write", body: body)
        #expect(reply.status == 200, "\(reply.body)")
      }
      #expect(try await FeedbackRouteTests.reasons(server, "c1") == ["hard_bounce/all"])
    }
    #expect(fetches.all == [Self.certificateURL])
  }

  @Test("unsigned, altered, replayed, foreign, off-host and unknown-version messages are 401")
  func forgeriesAreRefused() async throws {
    let now = GatewayServer.now
    let authority = try await SNSAuthority.make(now: now)
    let stranger = try await SNSAuthority.make(now: now)
    let signature = authority.verifier(fetches: FetchedURLs())
    let bounce = Self.bounce(id: "sns-f", at: now)
    var altered = try Self.object(authority.sign(bounce, version: "2"))
    altered["Message"] = (altered["Message"] as? String ?? "").replacingOccurrences(
      of: "c1@example.com", with: "c2@example.com")
    var offHost = try Self.object(authority.sign(bounce, version: "2"))
    offHost["SigningCertURL"] = "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem"
    var otherFile = try Self.object(authority.sign(bounce, version: "2"))
    otherFile["SigningCertURL"] = "https://sns.eu-west-1.amazonaws.com/bucket/mine.pem"
    var versionThree = try Self.object(authority.sign(bounce, version: "2"))
    versionThree["SignatureVersion"] = "3"
    let forgeries: [(String, String)] = [
      ("unsigned", bounce.json),
      ("altered", try Self.json(altered)),
      ("replayed", try authority.sign(Self.bounce(id: "sns-r", at: now - 3_600), version: "2")),
      ("another certificate", try stranger.sign(bounce, version: "2")),
      ("off Amazon's hosts", try Self.json(offHost)),
      ("another file on Amazon's host", try Self.json(otherFile)),
      ("SignatureVersion 3", try Self.json(versionThree)),
    ]
    try await GatewayServer.with(snsEvents: signature) { server in
      for (name, body) in forgeries {
        let reply = try await server.call(
          "POST", "/v1/events/ses", scope: "events:write", body: body)
        #expect(reply.status == 401, "\(name): \(reply.status) \(reply.body)")
        #expect(reply.contentType == "application/problem+json", "\(name)")
      }
      #expect(try await FeedbackRouteTests.reasons(server, "c1").isEmpty)
    }
  }

  @Test("a certificate that does not chain to a trusted root, or has expired, is refused")
  func chainIsVerified() async throws {
    let now = GatewayServer.now
    let trusted = try await SNSAuthority.make(now: now)
    let stranger = try await SNSAuthority.make(now: now)
    let strangerPEM = try stranger.leaf.serializeAsPEM().pemString
    // The stranger's own certificate served at Amazon's URL, its signature sound.
    let servedStranger = SNSMessageSignature(roots: [trusted.root], maxAge: 300) { _ in
      Data(strangerPEM.utf8)
    }
    let message = try Self.object(stranger.sign(Self.bounce(id: "sns-c", at: now), version: "2"))
    await #expect(throws: SNSMessageSignature.Refusal.untrustedCertificate) {
      try await servedStranger.verify(message, now: now)
    }
    let itsOwn = stranger.verifier(fetches: FetchedURLs())
    try await itsOwn.verify(message, now: now)
    let later = now + 60 * 86_400
    let expired = try Self.object(
      stranger.sign(Self.bounce(id: "sns-e", at: later), version: "2"))
    await #expect(throws: SNSMessageSignature.Refusal.untrustedCertificate) {
      try await stranger.verifier(fetches: FetchedURLs()).verify(expired, now: later)
    }
  }

  @Test("a signed subscription confirmation is fetched; a forged SubscribeURL is not")
  func subscriptionConfirmations() async throws {
    let now = GatewayServer.now
    let authority = try await SNSAuthority.make(now: now)
    let fetched = FetchedURLs()
    let confirming = SubscriptionFetcher { url in
      fetched.add(url)
      return true
    }
    let subscribe = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"
    let fields: SNSFields = [
      ("Type", "SubscriptionConfirmation"), ("MessageId", "sub-1"), ("Token", "t"),
      ("TopicArn", "arn:aws:sns:eu-west-1:1:ses"), ("Message", "You have chosen to subscribe"),
      ("SubscribeURL", subscribe), ("Timestamp", SNSAuthority.stamp(now)),
    ]
    var forged = try Self.object(authority.sign(fields, version: "2"))
    forged["SubscribeURL"] = "https://sns.eu-west-1.amazonaws.com/?Action=Publish&Attacker=1"
    try await GatewayServer.with(
      confirming: confirming, snsEvents: authority.verifier(fetches: FetchedURLs())
    ) { server in
      let refused = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write", body: try Self.json(forged))
      #expect(refused.status == 401)
      #expect(fetched.all.isEmpty)
      let accepted = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write",
        body: try authority.sign(fields, version: "2"))
      #expect(accepted.status == 200, "\(accepted.body)")
      #expect(fetched.all == [subscribe])
    }
  }

  static func bounce(id: String, at time: Date) -> SNSFields {
    let message = """
      {"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",\
      "bouncedRecipients":[{"emailAddress":"c1@example.com"}],"timestamp":"2026-11-18T10:00:00Z"},\
      "mail":{"messageId":"0100-abc","destination":["c1@example.com"],\
      "tags":{"governor_customer_id":["c1"]}}}
      """
    return [
      ("Type", "Notification"), ("MessageId", id), ("TopicArn", "arn:aws:sns:eu-west-1:1:ses"),
      ("Subject", "Amazon SES Email Event Notification"), ("Message", message),
      ("Timestamp", SNSAuthority.stamp(time)),
    ]
  }

  static func object(_ json: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
  }

  static func json(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
  }
}

typealias SNSFields = [(String, String)]

extension SNSFields {
  var json: String {
    let object = Dictionary(self, uniquingKeysWith: { first, _ in first })
    return String(
      decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
  }
}

/// A root and an RSA signing certificate it issued, as Amazon's are, made for one test.
struct SNSAuthority {
  let root: Certificate
  let leaf: Certificate
  let key: _RSA.Signing.PrivateKey

  init(now: Date) throws {
    let rootKey = P256.Signing.PrivateKey()
    let rootName = try DistinguishedName { CommonName("Test SNS Root \(UUID().uuidString)") }
    root = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(),
      publicKey: Certificate.PublicKey(rootKey.publicKey), notValidBefore: now - 86_400,
      notValidAfter: now + 365 * 86_400, issuer: rootName, subject: rootName,
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
        KeyUsage(keyCertSign: true)
      }, issuerPrivateKey: Certificate.PrivateKey(rootKey))
    key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    leaf = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(),
      publicKey: Certificate.PublicKey(key.publicKey), notValidBefore: now - 3_600,
      notValidAfter: now + 30 * 86_400, issuer: rootName,
      subject: try DistinguishedName { CommonName("sns.amazonaws.com") },
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.notCertificateAuthority)
      }, issuerPrivateKey: Certificate.PrivateKey(rootKey))
  }

  /// Made on a thread of its own: an RSA key takes up to a second or more on a slow machine,
  /// and on the test process's two cooperative threads that stalls every in-process server
  /// the other suites are talking to.
  static func make(now: Date) async throws -> SNSAuthority {
    try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try SNSAuthority(now: now) }) }.start()
    }
  }

  /// Trusts this root only; serves the signing certificate at the test's Amazon URL.
  func verifier(fetches: FetchedURLs) -> SNSMessageSignature {
    let pem = (try? leaf.serializeAsPEM().pemString) ?? ""
    return SNSMessageSignature(roots: [root], maxAge: 300) { url in
      fetches.add(url)
      guard url == SignedSNSTests.certificateURL else { throw URLError(.badURL) }
      return Data(pem.utf8)
    }
  }

  /// The message as SNS sends it: the fields, the version, the certificate URL and the
  /// signature over the fields SNS signs, in its order.
  func sign(_ fields: SNSFields, version: String) throws -> String {
    let values = Dictionary(fields, uniquingKeysWith: { first, _ in first })
    let type = values["Type"] ?? ""
    let names =
      type == "Notification"
      ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
      : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    let canonical = names.compactMap { name in values[name].map { "\(name)\n\($0)\n" } }
      .joined()
    let bytes = Data(canonical.utf8)
    let signature =
      version == "1"
      ? try key.signature(for: Insecure.SHA1.hash(data: bytes), padding: .insecurePKCS1v1_5)
      : try key.signature(for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5)
    return
      (fields + [
        ("SignatureVersion", version), ("SigningCertURL", SignedSNSTests.certificateURL),
        ("Signature", signature.rawRepresentation.base64EncodedString()),
      ]).json
  }

  static func stamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
  }
}

final class FetchedURLs: Sendable {
  private let urls = Mutex<[String]>([])

  func add(_ url: String) { urls.withLock { $0.append(url) } }

  var all: [String] { urls.withLock { $0 } }
}
