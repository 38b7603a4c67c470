import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  /// Appends inside the caller's write transaction, which SQLite holds alone: no other
  /// append can slip between reading the newest hash and writing the row after it.
  static func append(
    _ db: Database, _ decision: Decision, id: String, campaignId: String?,
    follows: String? = nil, fingerprint: String? = nil, at: Date
  ) throws -> AuditEntry {
    let content = AuditChain.content(
      of: decision, id: id, campaignId: campaignId, follows: follows)
    let previous =
      try String.fetchOne(
        db.cachedStatement(sql: "SELECT hash FROM decision ORDER BY sequence DESC LIMIT 1"))
      ?? AuditChain.genesis
    let hash = AuditChain.hash(content: content, previous: previous)
    try db.cachedStatement(
      sql: """
        INSERT INTO decision (id, message_id, customer_id, outcome, policy_version, decided_at,
          campaign_id, rules, content, previous_hash, hash, fingerprint)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(
      arguments: [
        id, decision.messageId, decision.customerId, decision.outcome.rawValue,
        decision.policy.version, at.timeIntervalSince1970, campaignId,
        AuditChain.rulesColumn(decision.reasons.map(\.rule)), content, previous, hash,
        fingerprint,
      ])
    let sequence = db.lastInsertedRowID
    try db.cachedStatement(
      sql: """
        INSERT INTO audit_head (id, sequence, hash) VALUES (1, ?, ?)
        ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash
        """
    ).execute(
      arguments: [sequence, hash])
    return AuditEntry(
      sequence: sequence, id: id, messageId: decision.messageId,
      customerId: decision.customerId, outcome: decision.outcome,
      policyVersion: decision.policy.version, decidedAt: at, campaignId: campaignId,
      rules: decision.reasons.map(\.rule), content: content, previousHash: previous, hash: hash,
      fingerprint: fingerprint)
  }

  public func verifyAudit() async throws -> AuditVerification {
    let (rows, head) = try await pool.read { db in
      let head = try Row.fetchOne(db.cachedStatement(sql: "SELECT sequence, hash FROM audit_head"))
        .map {
          row -> (sequence: Int64, hash: String) in (row["sequence"], row["hash"])
        }
      let rows = try Row.fetchAll(
        db.cachedStatement(sql: "SELECT * FROM decision ORDER BY sequence")
      )
      .map(Self.auditEntry)
      return (rows, head)
    }
    return AuditChain.verify(rows, head: head)
  }

  public func decisions(customerId: String) async throws -> [AuditEntry] {
    try await pool.read { db in
      try Row.fetchAll(
        db.cachedStatement(sql: "SELECT * FROM decision WHERE customer_id = ? ORDER BY sequence"),
        arguments: [customerId]
      ).map(Self.auditEntry)
    }
  }

  public func decision(messageId: String) async throws -> AuditEntry? {
    try await pool.read { db in try Self.firstDecision(db, messageId: messageId) }
  }

  static func firstDecision(_ db: Database, messageId: String) throws -> AuditEntry? {
    try Row.fetchOne(
      db.cachedStatement(
        sql: "SELECT * FROM decision WHERE message_id = ? ORDER BY sequence LIMIT 1"),
      arguments: [messageId]
    ).map(Self.auditEntry)
  }

  public func decisions(matching query: DecisionQuery) async throws -> [AuditEntry] {
    try await pool.read { db in
      try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT * FROM decision
            WHERE (?1 IS NULL OR outcome = ?1) AND (?2 IS NULL OR customer_id = ?2)
              AND (?3 IS NULL OR campaign_id = ?3) AND (?4 IS NULL OR instr(rules, ' ' || ?4 || ' ') > 0)
              AND (?5 IS NULL OR decided_at >= ?5) AND (?6 IS NULL OR decided_at < ?6)
              AND (?7 IS NULL OR sequence < ?7)
              AND (?9 IS NULL OR instr(content, ?9) > 0)
            ORDER BY sequence DESC LIMIT ?8
            """),
        arguments: [
          query.outcome?.rawValue, query.customerId, query.campaignId, query.rule,
          query.since?.timeIntervalSince1970, query.until?.timeIntervalSince1970,
          query.before, query.limit, query.code.map(AuditChain.codeMarker),
        ]
      ).map(Self.auditEntry)
    }
  }

  public func decision(id: String) async throws -> AuditEntry? {
    try await pool.read { db in
      try Row.fetchOne(
        db.cachedStatement(sql: "SELECT * FROM decision WHERE id = ?"), arguments: [id]
      )
      .map(Self.auditEntry)
    }
  }

  static func auditEntry(_ row: Row) -> AuditEntry {
    let outcome: String = row["outcome"]
    return AuditEntry(
      sequence: row["sequence"], id: row["id"], messageId: row["message_id"],
      customerId: row["customer_id"], outcome: Outcome(rawValue: outcome) ?? .failed,
      policyVersion: row["policy_version"],
      decidedAt: Date(timeIntervalSince1970: row["decided_at"]), campaignId: row["campaign_id"],
      rules: AuditChain.rules(parsing: row["rules"]), content: row["content"],
      previousHash: row["previous_hash"], hash: row["hash"], fingerprint: row["fingerprint"])
  }

  public func saveAPIKey(_ key: APIKeyRecord) async throws {
    try await write { db in
      try db.cachedStatement(
        sql: """
          INSERT INTO api_key (id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)
          """
      ).execute(
        arguments: [
          key.id, key.name, key.scopes.joined(separator: " "), key.secretHash,
          key.createdAt.timeIntervalSince1970,
        ])
    }
  }

  public func apiKey(id: String) async throws -> APIKeyRecord? {
    try await pool.read { db in
      try Row.fetchOne(
        db.cachedStatement(sql: "SELECT * FROM api_key WHERE id = ? AND revoked_at IS NULL"),
        arguments: [id]
      ).map { row in
        let scopes: String = row["scopes"]
        return APIKeyRecord(
          id: row["id"], name: row["name"], scopes: scopes.split(separator: " ").map(String.init),
          secretHash: row["secret_hash"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
      }
    }
  }

  public func savePolicyText(_ text: String, name: String, version: String, at: Date)
    async throws
  {
    try await write { db in
      try db.cachedStatement(
        sql: """
          INSERT INTO policy_version (version, name, text, first_seen_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (version) DO NOTHING
          """
      ).execute(
        arguments: [version, name, text, at.timeIntervalSince1970])
    }
  }

  public func policyText(version: String) async throws -> String? {
    try await pool.read { db in
      try String.fetchOne(
        db.cachedStatement(sql: "SELECT text FROM policy_version WHERE version = ?"),
        arguments: [version])
    }
  }
}
