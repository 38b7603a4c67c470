import Foundation
import GRDB
import GovernorCore

// The record types of the SQLite tables that map one row to one value. Times are stored as
// seconds since 1970 (REAL), as every table of this store keeps them.

extension AuditEntry: FetchableRecord, TableRecord {
  public static let databaseTableName = "decision"

  public enum Columns {
    public static let sequence = Column("sequence")
    public static let id = Column("id")
    public static let messageId = Column("message_id")
    public static let customerId = Column("customer_id")
    public static let campaignId = Column("campaign_id")
    public static let outcome = Column("outcome")
    public static let decidedAt = Column("decided_at")
    public static let rules = Column("rules")
    public static let content = Column("content")
  }

  public init(row: Row) {
    let outcome: String = row["outcome"]
    self.init(
      sequence: row["sequence"], id: row["id"], messageId: row["message_id"],
      customerId: row["customer_id"], outcome: Outcome(rawValue: outcome) ?? .failed,
      policyVersion: row["policy_version"],
      decidedAt: Date(timeIntervalSince1970: row["decided_at"]), campaignId: row["campaign_id"],
      rules: AuditChain.rules(parsing: row["rules"]), content: row["content"],
      previousHash: row["previous_hash"], hash: row["hash"], fingerprint: row["fingerprint"])
  }
}

extension APIKeyRecord: FetchableRecord, PersistableRecord {
  public static let databaseTableName = "api_key"

  public enum Columns {
    public static let id = Column("id")
    public static let revokedAt = Column("revoked_at")
  }

  public init(row: Row) {
    let scopes: String = row["scopes"]
    self.init(
      id: row["id"], name: row["name"], scopes: scopes.split(separator: " ").map(String.init),
      secretHash: row["secret_hash"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
      expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
      lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
      revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
  }

  public func encode(to container: inout PersistenceContainer) {
    container["id"] = id
    container["name"] = name
    container["scopes"] = scopes.joined(separator: " ")
    container["secret_hash"] = secretHash
    container["created_at"] = createdAt.timeIntervalSince1970
    container["expires_at"] = expiresAt?.timeIntervalSince1970
    container["last_used_at"] = lastUsedAt?.timeIntervalSince1970
    container["revoked_at"] = revokedAt?.timeIntervalSince1970
  }
}
