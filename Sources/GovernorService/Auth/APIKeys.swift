import Crypto
import Foundation
import GovernorCore
import GovernorStore

/// What an API key may do.
public enum Scope: String, CaseIterable, Sendable {
  case send
  case dryRun = "dry-run"
  case auditRead = "audit:read"
  case consentWrite = "consent:write"
  /// Mail providers' webhooks: bounces, complaints, unsubscribes.
  case eventsWrite = "events:write"
  /// Everything, including managing keys.
  case admin
}

/// API keys: `mg_ID_SECRET`. The id finds the stored record; only the SHA-256 of the secret is
/// stored, and the key itself is shown once, when it is created.
public enum APIKeys {
  public static func generate(
    name: String, scopes: [Scope], at now: Date, expiresAt: Date? = nil
  ) -> (
    key: String, record: APIKeyRecord
  ) {
    var generator = SystemRandomNumberGenerator()
    let id = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
    }
    .joined()
    let secretBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let secret = Data(secretBytes).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
    let record = APIKeyRecord(
      id: id, name: name, scopes: scopes.map(\.rawValue), secretHash: hash(secret),
      createdAt: now, expiresAt: expiresAt)
    return ("mg_\(id)_\(secret)", record)
  }

  static func hash(_ secret: String) -> String {
    Hex.encode(SHA256.hash(data: Data(secret.utf8)))
  }

  /// The key's record when `authorization` names a live key whose secret matches; nil
  /// otherwise. `Bearer mg_…`, or HTTP Basic with the key as the password: webhooks from SNS
  /// and SendGrid can only send credentials written into their URL
  /// (`https://events:mg_…@host/v1/events/ses`).
  public static func authenticate(_ authorization: String?, in store: any Store) async throws
    -> APIKeyRecord?
  {
    guard let key = authorization.flatMap(presentedKey) else { return nil }
    let parts = key.split(separator: "_", maxSplits: 2)
    guard parts.count == 3, parts[0] == "mg",
      let record = try await store.apiKey(id: String(parts[1])), record.isLive(at: Date())
    else { return nil }
    return constantTimeEqual(hash(String(parts[2])), record.secretHash) ? record : nil
  }

  private static func presentedKey(_ authorization: String) -> Substring? {
    if authorization.hasPrefix("Bearer ") { return authorization.dropFirst("Bearer ".count) }
    guard authorization.hasPrefix("Basic "),
      let decoded = Data(base64Encoded: String(authorization.dropFirst("Basic ".count))),
      let credentials = String(data: decoded, encoding: .utf8),
      let colon = credentials.firstIndex(of: ":")
    else { return nil }
    return Substring(credentials[credentials.index(after: colon)...])
  }

  public static func allows(_ record: APIKeyRecord, _ scope: Scope) -> Bool {
    record.scopes.contains(scope.rawValue) || record.scopes.contains(Scope.admin.rawValue)
  }

  /// Compares without stopping at the first difference, so timing tells nothing.
  static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    guard a.count == b.count else { return false }
    return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
  }
}
