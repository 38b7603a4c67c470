import Crypto
import Foundation
import GovernorCore

/// What an unsubscribe link lets its holder change: one customer's mail in one scope (a
/// category, or `all`).
public struct UnsubscribeGrant: Hashable, Sendable {
  public var customerId: String
  public var scope: SuppressionScope

  public init(customerId: String, scope: SuppressionScope) {
    self.customerId = customerId
    self.scope = scope
  }
}

/// Makes and checks the `TOKEN` in `https://HOST/u/TOKEN`.
///
/// A token is `base64url(nonce ‖ ciphertext ‖ tag)`: the grant (`scope NUL customer`) sealed
/// with ChaCha20-Poly1305 under a key derived from the secret, with a random nonce. No login
/// stands behind an unsubscribe link (RFC 8058 forbids one), so the tag is all that stops
/// someone unsubscribing a customer they only guessed the id of, or turning a link for one
/// category into one for everything. Sealed, not only signed: the link travels in every
/// message and in mailbox providers' logs, and the customer id inside it is the very
/// identifier the tracking rewriter removes from links for recipients without tracking
/// consent (GDPR Art. 25). A fresh nonce per message also keeps two messages' links from
/// being matched to one person.
///
/// Links made before (`v1`: `base64url(v1 NUL scope NUL customer).base64url(mac)`, signed
/// with the first 16 bytes of HMAC-SHA256 under the secret itself) stay valid: they are in
/// mailboxes already, and an unsubscribe link must work for as long as the mail does.
///
/// Tokens carry no expiry: CAN-SPAM wants a link to work 30 days after the mail is sent, CASL
/// 60, and a customer reads old mail for years. A new secret does not end them either: the
/// secrets before it (`previousSecretsVariable`) still open the links they made, while only the
/// new one makes links.
public struct UnsubscribeTokens: Sendable {
  private let key: SymmetricKey
  private let sealingKey: SymmetricKey
  /// Earlier secrets' tokens, which open links and make none.
  private var previous: [UnsubscribeTokens] = []

  /// Secrets shorter than this are refused: the MAC is only as strong as its key.
  public static let minimumSecretLength = 32
  public static let environmentVariable = "GOVERNOR_UNSUBSCRIBE_SECRET"
  /// Secrets used before, separated by spaces or new lines: their links keep working.
  public static let previousSecretsVariable = "GOVERNOR_UNSUBSCRIBE_PREVIOUS_SECRETS"

  public init(secret: String) throws(SecretTooShort) {
    guard secret.utf8.count >= Self.minimumSecretLength else { throw SecretTooShort() }
    self.init(key: SymmetricKey(data: Data(secret.utf8)))
  }

  private init(key: SymmetricKey) {
    self.key = key
    sealingKey = HKDF<SHA256>.deriveKey(
      inputKeyMaterial: key, info: Data("governor unsubscribe token v2".utf8),
      outputByteCount: 32)
  }

  /// The same, also opening the links `secrets` made (a rotation keeps the old ones working).
  public func opening(previous secrets: [String]) throws(SecretTooShort) -> UnsubscribeTokens {
    var tokens = self
    for secret in secrets {
      guard let earlier = try? UnsubscribeTokens(secret: secret) else {
        throw SecretTooShort(variable: Self.previousSecretsVariable)
      }
      tokens.previous.append(earlier)
    }
    return tokens
  }

  /// A random secret for tests and embedded use, where tokens need not outlive the process.
  public static func ephemeral() -> UnsubscribeTokens {
    UnsubscribeTokens(key: SymmetricKey(size: .bits256))
  }

  public struct SecretTooShort: Error, CustomStringConvertible {
    /// Where the short secret came from.
    public var variable = UnsubscribeTokens.environmentVariable

    public var description: String {
      variable == UnsubscribeTokens.environmentVariable
        ? "\(variable) must hold at least \(UnsubscribeTokens.minimumSecretLength) characters"
        : "each secret in \(variable) must hold at least "
          + "\(UnsubscribeTokens.minimumSecretLength) characters"
    }
  }

  public func token(for grant: UnsubscribeGrant) -> String {
    let payload = Data("\(grant.scope)\0\(grant.customerId)".utf8)
    // Sealing with a random nonce cannot fail; if the library ever said otherwise, a link that
    // opens nothing is better than one that shows the id.
    guard let sealed = try? ChaChaPoly.seal(payload, using: sealingKey) else { return "invalid" }
    return Self.base64URL(sealed.combined)
  }

  /// A link as made before tokens were sealed; kept to test that those links still work.
  func v1Token(for grant: UnsubscribeGrant) -> String {
    let payload = Data("v1\0\(grant.scope)\0\(grant.customerId)".utf8)
    return Self.base64URL(payload) + "." + Self.base64URL(mac(payload))
  }

  /// The grant a token carries; nil for anything neither this secret nor a previous one made.
  public func grant(for token: String) -> UnsubscribeGrant? {
    if let grant = ownGrant(for: token) { return grant }
    for earlier in previous {
      if let grant = earlier.ownGrant(for: token) { return grant }
    }
    return nil
  }

  private func ownGrant(for token: String) -> UnsubscribeGrant? {
    guard token.contains(".") else { return openSealed(token) }
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, let payload = Self.data(base64URL: parts[0]),
      let signature = Self.data(base64URL: parts[1]),
      // Constant time: a timing difference would let the MAC be found byte by byte.
      constantTimeEqual(signature, mac(payload))
    else { return nil }
    let fields = String(decoding: payload, as: UTF8.self).split(
      separator: "\0", omittingEmptySubsequences: false)
    guard fields.count == 3, fields[0] == "v1", !fields[1].isEmpty, !fields[2].isEmpty else {
      return nil
    }
    return Self.grant(scope: fields[1], customerId: fields[2])
  }

  private func openSealed(_ token: String) -> UnsubscribeGrant? {
    guard let combined = Self.data(base64URL: Substring(token)),
      let box = try? ChaChaPoly.SealedBox(combined: combined),
      let payload = try? ChaChaPoly.open(box, using: sealingKey)
    else { return nil }
    let fields = String(decoding: payload, as: UTF8.self).split(
      separator: "\0", omittingEmptySubsequences: false)
    guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else { return nil }
    return Self.grant(scope: fields[0], customerId: fields[1])
  }

  private static func grant(scope: Substring, customerId: Substring) -> UnsubscribeGrant {
    UnsubscribeGrant(
      customerId: String(customerId),
      scope: scope == "all" ? .all : .category(String(scope)))
  }

  private func mac(_ payload: Data) -> Data {
    Data(HMAC<SHA256>.authenticationCode(for: payload, using: key)).prefix(16)
  }

  private func constantTimeEqual(_ lhs: Data, _ rhs: Data) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
  }

  static func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  static func data(base64URL text: Substring) -> Data? {
    guard
      text.unicodeScalars.allSatisfy({
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
          || $0 == "-" || $0 == "_"
      })
    else {
      return nil
    }
    var base64 = text.replacingOccurrences(of: "-", with: "+")
      .replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    // Only the canonical spelling: the last character's unused bits would otherwise let
    // several strings decode to one signature, and a link must have exactly one form.
    guard let data = Data(base64Encoded: base64), base64URL(data) == text else { return nil }
    return data
  }
}
