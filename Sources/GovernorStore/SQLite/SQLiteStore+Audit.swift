import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  /// Appends inside the caller's write transaction, which SQLite holds alone: no other
  /// append can slip between reading the newest hash and writing the row after it.
  static func append(
    _ db: Database, _ decision: Decision, id: String, campaignId: String?,
    follows: String? = nil, fingerprint: String? = nil, sendingDomain: String? = nil, at: Date
  ) throws -> AuditEntry {
    let content = AuditChain.content(
      of: decision, id: id, campaignId: campaignId, follows: follows,
      sendingDomain: sendingDomain)
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
      let rows = try AuditEntry.order(AuditEntry.Columns.sequence).fetchAll(db)
      return (rows, head)
    }
    return AuditChain.verify(rows, head: head)
  }

  public func decisions(customerId: String) async throws -> [AuditEntry] {
    try await pool.read { db in
      try AuditEntry.filter(AuditEntry.Columns.customerId == customerId)
        .order(AuditEntry.Columns.sequence).fetchAll(db)
    }
  }

  public func decision(messageId: String) async throws -> AuditEntry? {
    try await pool.read { db in try Self.firstDecision(db, messageId: messageId) }
  }

  static func firstDecision(_ db: Database, messageId: String) throws -> AuditEntry? {
    // On every decision's path: a cached statement, not a request built each time.
    try AuditEntry.fetchOne(
      db.cachedStatement(
        sql: "SELECT * FROM decision WHERE message_id = ? ORDER BY sequence LIMIT 1"),
      arguments: [messageId])
  }

  public func decisions(matching query: DecisionQuery) async throws -> [AuditEntry] {
    typealias Columns = AuditEntry.Columns
    var request = AuditEntry.all()
    if let outcome = query.outcome { request = request.filter(Columns.outcome == outcome.rawValue) }
    if let customerId = query.customerId {
      request = request.filter(Columns.customerId == customerId)
    }
    if let campaignId = query.campaignId {
      request = request.filter(Columns.campaignId == campaignId)
    }
    if query.request != nil {
      // Ranges, not LIKE (whose `%` and `_` a request id may hold): each prefix ends in `/`,
      // so everything under it sorts before the prefix with `0` in its place, and the
      // message-id index answers it.
      let ranges = query.requestPrefixes.map { prefix in
        Columns.messageId >= prefix && Columns.messageId < String(prefix.dropLast()) + "0"
      }
      request = request.filter(ranges.joined(operator: .or))
    }
    // `rules` is space-delimited on both ends, so one rule id never matches inside another.
    if let rule = query.rule {
      request = request.filter(sql: "instr(rules, ' ' || ? || ' ') > 0", arguments: [rule])
    }
    if let since = query.since {
      request = request.filter(Columns.decidedAt >= since.timeIntervalSince1970)
    }
    if let until = query.until {
      request = request.filter(Columns.decidedAt < until.timeIntervalSince1970)
    }
    if let before = query.before { request = request.filter(Columns.sequence < before) }
    if let code = query.code {
      request = request.filter(
        sql: "instr(content, ?) > 0", arguments: [AuditChain.codeMarker(code)])
    }
    let page = request.order(Columns.sequence.desc).limit(query.limit)
    return try await pool.read { db in try page.fetchAll(db) }
  }

  public func decision(id: String) async throws -> AuditEntry? {
    try await pool.read { db in
      try AuditEntry.filter(AuditEntry.Columns.id == id).fetchOne(db)
    }
  }

  public func saveAPIKey(_ key: APIKeyRecord) async throws {
    try await write { db in try key.insert(db) }
  }

  public func apiKey(id: String) async throws -> APIKeyRecord? {
    try await pool.read { db in
      try APIKeyRecord.filter(
        APIKeyRecord.Columns.id == id && APIKeyRecord.Columns.revokedAt == nil
      )
      .fetchOne(db)
    }
  }

  public func apiKeys() async throws -> [APIKeyRecord] {
    try await pool.read { db in
      try APIKeyRecord.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY created_at, id")
    }
  }

  public func revokeAPIKey(id: String, at: Date) async throws -> Bool {
    try await write { db in
      try db.execute(
        sql: "UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        arguments: [at.timeIntervalSince1970, id])
      return db.changesCount > 0
    }
  }

  public func noteAPIKeyUsed(id: String, at: Date) async throws {
    try await write { db in
      try db.execute(
        sql: "UPDATE api_key SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?",
        arguments: [at.timeIntervalSince1970, id])
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
