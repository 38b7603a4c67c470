import Foundation
import GovernorCore

/// API keys, by their hash.
public protocol APIKeyStore: Sendable {
  /// Adds an API key (its hash, never the key itself).
  func saveAPIKey(_ key: APIKeyRecord) async throws

  /// The key with this id, unless revoked.
  func apiKey(id: String) async throws -> APIKeyRecord?

  /// Every key, revoked ones included, oldest first.
  func apiKeys() async throws -> [APIKeyRecord]

  /// Revokes the key; false when no live key has this id.
  func revokeAPIKey(id: String, at: Date) async throws -> Bool

  /// Notes that the key authenticated a request at `at`.
  func noteAPIKeyUsed(id: String, at: Date) async throws
}

/// An API key as stored: who it is for, what it may do, and the SHA-256 of its secret part.
public struct APIKeyRecord: Hashable, Sendable {
  public var id: String
  public var name: String
  public var scopes: [String]
  /// Hex SHA-256 of the secret. The secret is 256 random bits, so a plain hash is enough: there
  /// is nothing to guess that a slow hash would protect.
  public var secretHash: String
  public var createdAt: Date
  /// After this the key authenticates nothing; nil: it does not expire.
  public var expiresAt: Date?
  public var lastUsedAt: Date?
  public var revokedAt: Date?

  public init(
    id: String, name: String, scopes: [String], secretHash: String, createdAt: Date,
    expiresAt: Date? = nil, lastUsedAt: Date? = nil, revokedAt: Date? = nil
  ) {
    self.id = id
    self.name = name
    self.scopes = scopes
    self.secretHash = secretHash
    self.createdAt = createdAt
    self.expiresAt = expiresAt
    self.lastUsedAt = lastUsedAt
    self.revokedAt = revokedAt
  }

  /// Whether the key may authenticate a request at `now`.
  public func isLive(at now: Date) -> Bool {
    revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
  }
}
