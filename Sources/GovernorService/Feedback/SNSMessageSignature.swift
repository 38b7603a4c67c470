import Crypto
import Foundation
import SwiftASN1
import Synchronization
import X509
import _CryptoExtras

/// Amazon SNS message signatures (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) over
/// the canonical string of the message's fields, checked with the certificate at
/// `SigningCertURL`. That URL is fetched only from Amazon's `sns.REGION.amazonaws.com` hosts
/// over https, once per URL (then cached), and the certificate's chain must lead to a trusted
/// root. With it configured, a notification or subscription message that is unsigned, signed
/// by another key, altered or older than `maxAge` is refused before anything is read from it:
/// a forged bounce would otherwise suppress a customer, and a forged SubscribeURL would make
/// the gateway fetch it.
public final class SNSMessageSignature: Sendable {
  /// The body at a certificate URL (PEM), fetched over https.
  public typealias Fetch = @Sendable (String) async throws -> Data

  private let roots: CertificateStore
  private let fetch: Fetch
  public let maxAge: TimeInterval
  private let certificates = Mutex<[String: Certificate]>([:])
  /// Distinct certificate URLs kept: SNS rotates its certificate every year or so.
  private static let cacheLimit = 64

  public init(roots: [Certificate], maxAge: TimeInterval, fetch: @escaping Fetch) {
    self.roots = CertificateStore(roots)
    self.maxAge = maxAge
    self.fetch = fetch
  }

  /// Every certificate in a PEM bundle (the system's `/etc/ssl/certs/ca-certificates.crt`).
  public static func certificates(pem: String) throws -> [Certificate] {
    try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
  }

  /// Why a message was refused; the description is safe to log and to answer with.
  public enum Refusal: Error, Equatable, CustomStringConvertible {
    case missing(field: String)
    case unsupportedVersion(String)
    case untrustedCertificateURL(String)
    case certificateUnavailable(String)
    case untrustedCertificate
    case stale(ageSeconds: Int)
    case fromTheFuture(aheadSeconds: Int)
    case invalid

    public var description: String {
      switch self {
      case .missing(let field): return "\(field) is missing: the message is not signed"
      case .unsupportedVersion(let version):
        return "SignatureVersion '\(version)' is not 1 or 2"
      case .untrustedCertificateURL(let url):
        return "SigningCertURL \(url) is not an https URL on an sns.REGION.amazonaws.com host"
      case .certificateUnavailable(let url):
        return "the signing certificate at \(url) could not be fetched or read"
      case .untrustedCertificate:
        return "the signing certificate does not chain to a trusted root, or is not valid now"
      case .stale(let age):
        return "the message was signed \(age) s ago, longer ago than the window: a replay is "
          + "refused"
      case .fromTheFuture(let ahead): return "the message is stamped \(ahead) s in the future"
      case .invalid:
        return "the signature does not match the message and its signing certificate"
      }
    }
  }

  /// Checks one SNS message (the JSON object SNS posts).
  public func verify(_ message: [String: Any], now: Date) async throws(Refusal) {
    func field(_ name: String) throws(Refusal) -> String {
      guard let value = message[name] as? String, !value.isEmpty else {
        throw .missing(field: name)
      }
      return value
    }
    let version = try field("SignatureVersion")
    guard version == "1" || version == "2" else { throw .unsupportedVersion(version) }
    guard let signature = Data(base64Encoded: try field("Signature")) else { throw .invalid }
    let certificateURL = try field("SigningCertURL")
    guard Self.isAmazonCertificateURL(certificateURL) else {
      throw .untrustedCertificateURL(certificateURL)
    }
    let stamped = try field("Timestamp")
    guard let signedAt = Self.timestamp(stamped) else { throw .invalid }
    let age = now.timeIntervalSince(signedAt)
    if age > maxAge { throw .stale(ageSeconds: Int(age)) }
    if age < -maxAge { throw .fromTheFuture(aheadSeconds: Int(-age)) }
    let canonical = try Self.stringToSign(message)
    let certificate = try await trustedCertificate(certificateURL, now: now)
    guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else { throw .invalid }
    let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
    let bytes = Data(canonical.utf8)
    let valid =
      version == "1"
      ? key.isValidSignature(
        rsaSignature, for: Insecure.SHA1.hash(data: bytes), padding: .insecurePKCS1v1_5)
      : key.isValidSignature(
        rsaSignature, for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5)
    guard valid else { throw .invalid }
  }

  /// The fields SNS signs, each as `Name\nvalue\n`, in this order; `Subject` only when present
  /// (AWS's "Verifying the signatures of Amazon SNS messages").
  static func stringToSign(_ message: [String: Any]) throws(Refusal) -> String {
    let type = message["Type"] as? String ?? ""
    let names: [String]
    switch type {
    case "Notification":
      names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    case "SubscriptionConfirmation", "UnsubscribeConfirmation":
      names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    default:
      throw .missing(field: "Type")
    }
    var text = ""
    for name in names {
      guard let value = message[name] as? String else {
        if name == "Subject" { continue }
        throw .missing(field: name)
      }
      text += "\(name)\n\(value)\n"
    }
    return text
  }

  /// `https://sns.REGION.amazonaws.com/SimpleNotificationService-ID.pem` and nothing else:
  /// another file on an Amazon host (an S3 bucket anyone can fill, say) would let anyone
  /// serve their own certificate.
  static func isAmazonCertificateURL(_ text: String) -> Bool {
    guard let url = URLComponents(string: text), url.scheme == "https",
      url.port == nil || url.port == 443, url.user == nil, url.query == nil,
      url.path.wholeMatch(of: /\/SimpleNotificationService(-[A-Za-z0-9]+)?\.pem/) != nil
    else { return false }
    return SNSSubscription.isTrusted(text, alsoTrusting: [])
  }

  private func trustedCertificate(_ url: String, now: Date) async throws(Refusal) -> Certificate {
    if let known = certificates.withLock({ $0[url] }) {
      try await requireTrusted(known, intermediates: [], now: now)
      return known
    }
    let chain: [Certificate]
    do {
      chain = try Self.certificates(pem: String(decoding: try await fetch(url), as: UTF8.self))
    } catch {
      throw .certificateUnavailable(url)
    }
    guard let leaf = chain.first else { throw .certificateUnavailable(url) }
    try await requireTrusted(leaf, intermediates: Array(chain.dropFirst()), now: now)
    certificates.withLock { cache in
      if cache.count >= Self.cacheLimit { cache.removeAll() }
      cache[url] = leaf
    }
    return leaf
  }

  private func requireTrusted(_ leaf: Certificate, intermediates: [Certificate], now: Date)
    async throws(Refusal)
  {
    var verifier = Verifier(rootCertificates: roots) { RFC5280Policy(validationTime: now) }
    let result = await verifier.validate(
      leaf: leaf, intermediates: CertificateStore(intermediates))
    guard case .validCertificate = result else { throw .untrustedCertificate }
  }

  private static func timestamp(_ text: String) -> Date? {
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text)
  }
}
