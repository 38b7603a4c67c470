import Crypto
import Foundation
import GovernorCore
import GovernorStore

/// Amazon-style credentials for a governor key, for the SES-compatible routes: SigV4 signs
/// with the secret itself, so the server must be able to work it out, while the store keeps
/// only key hashes. The secret is derived — HMAC-SHA256 under a server secret given by
/// `GOVERNOR_AWS_SECRET`, of the key's id and stored hash — never stored: a stolen database
/// alone yields no credential, a new server secret retires them all, and a key's revocation
/// or replacement ends its AWS credentials with it. (Encrypting a random secret under the
/// server secret would need a column and a migration for the same property.)
public struct AWSCredentials: Sendable {
  public static let environmentVariable = "GOVERNOR_AWS_SECRET"
  public static let minimumSecretLength = 32
  /// `MGAK` and the key's id, upper-cased: 16 characters, unmistakably not Amazon's.
  static let accessKeyPrefix = "MGAK"

  public struct ShortSecret: Error, CustomStringConvertible {
    public var description: String {
      "\(AWSCredentials.environmentVariable) must be at least "
        + "\(AWSCredentials.minimumSecretLength) characters"
    }
  }

  private let serverSecret: SymmetricKey

  public init(secret: String) throws(ShortSecret) {
    guard secret.utf8.count >= Self.minimumSecretLength else { throw ShortSecret() }
    serverSecret = SymmetricKey(data: Array(secret.utf8))
  }

  public static func accessKeyId(for key: APIKeyRecord) -> String {
    accessKeyPrefix + key.id.uppercased()
  }

  /// The governor key id an access key id names, or nil for one that is not the governor's.
  public static func keyId(fromAccessKeyId accessKeyId: String) -> String? {
    guard accessKeyId.hasPrefix(accessKeyPrefix), accessKeyId.count > accessKeyPrefix.count
    else { return nil }
    return accessKeyId.dropFirst(accessKeyPrefix.count).lowercased()
  }

  public func secretAccessKey(for key: APIKeyRecord) -> String {
    let mac = HMAC<SHA256>.authenticationCode(
      for: Array("aws-secret\n\(key.id)\n\(key.secretHash)".utf8), using: serverSecret)
    // 40 characters, as Amazon's secrets are; base64 without `+` and `/`, which some
    // credential files and shells trip on.
    return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "A")
      .replacingOccurrences(of: "/", with: "B").prefix(40).description
  }
}
