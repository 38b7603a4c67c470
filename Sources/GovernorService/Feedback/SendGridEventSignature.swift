import Crypto
import Foundation
import GovernorCore

/// SendGrid's signed event webhook: an ECDSA P-256 signature (SHA-256, DER, base64) over the
/// `X-Twilio-Email-Event-Webhook-Timestamp` header followed by the raw body, verified with the
/// public key SendGrid shows under Mail Settings (base64 DER, or PEM). With it configured, an
/// event batch that is unsigned, signed by another key, altered or older than `maxAge` is
/// refused before anything is read from it: a forged bounce or spam report would otherwise
/// suppress a customer.
public struct SendGridEventSignature: Sendable {
  public static let signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
  public static let timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
  /// SendGrid documents no window; five minutes is what Stripe and Standard Webhooks use.
  public static let defaultMaxAge: TimeInterval = 300

  private let key: P256.Signing.PublicKey
  public let maxAge: TimeInterval

  public init(publicKey text: String, maxAge: TimeInterval = defaultMaxAge) throws(Refusal) {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    do {
      if trimmed.hasPrefix("-----BEGIN") {
        key = try P256.Signing.PublicKey(pemRepresentation: trimmed)
      } else if let der = Data(base64Encoded: trimmed) {
        key = try P256.Signing.PublicKey(derRepresentation: der)
      } else {
        throw Refusal.unreadableKey
      }
    } catch {
      throw Refusal.unreadableKey
    }
    self.maxAge = maxAge
  }

  /// Why a batch was refused; the description is safe to log and to answer with.
  public enum Refusal: Error, Equatable, CustomStringConvertible {
    case unreadableKey
    case missing(header: String)
    case malformed(header: String)
    case stale(ageSeconds: Int)
    case fromTheFuture(aheadSeconds: Int)
    case invalid

    public var description: String {
      switch self {
      case .unreadableKey:
        return "the SendGrid verification key is not a P-256 public key (base64 DER or PEM)"
      case .missing(let header): return "\(header) is missing: the batch is not signed"
      case .malformed(let header): return "\(header) cannot be read"
      case .stale(let age):
        return "the batch was signed \(age) s ago, longer ago than the webhook's window: a "
          + "replay is refused"
      case .fromTheFuture(let ahead): return "the batch is stamped \(ahead) s in the future"
      case .invalid:
        return "the signature does not match the batch and the configured key"
      }
    }
  }

  /// Checks a batch as it arrived: its two headers and its bytes, unparsed.
  public func verify(signature: String?, timestamp: String?, body: Data, now: Date)
    throws(Refusal)
  {
    guard let signature else { throw .missing(header: Self.signatureHeader) }
    guard let timestamp else { throw .missing(header: Self.timestampHeader) }
    guard let seconds = Int(timestamp.trimmingCharacters(in: .whitespaces)) else {
      throw .malformed(header: Self.timestampHeader)
    }
    guard let der = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)),
      let ecdsa = try? P256.Signing.ECDSASignature(derRepresentation: der)
    else { throw .malformed(header: Self.signatureHeader) }
    var signed = Data(timestamp.utf8)
    signed.append(body)
    guard key.isValidSignature(ecdsa, for: signed) else { throw .invalid }
    // Judged after the signature, so the age reported is the sender's own.
    let age = now.timeIntervalSince1970 - Double(seconds)
    if age > maxAge { throw .stale(ageSeconds: Int(age)) }
    if age < -RecordValidator.defaultClockSkew { throw .fromTheFuture(aheadSeconds: Int(-age)) }
  }
}
