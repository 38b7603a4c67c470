import Foundation
import GovernorCore
import Logging
import PostgresNIO

extension PostgresStore {
  /// Appends inside the caller's transaction, under the audit lock it takes here.
  /// `onlyFirst`: the fingerprint of the message only a first decision of its id is written
  /// for; an earlier one comes back instead, or `MessageIdConflict` for another message.
  static func append(
    _ connection: PostgresConnection, _ decision: Decision, id: String, campaignId: String?,
    follows: String? = nil, fingerprint: String? = nil, sendingDomain: String? = nil, at: Date,
    onlyFirst: String?, logger: Logger
  ) async throws -> (entry: AuditEntry, isNew: Bool) {
    let content = AuditChain.content(
      of: decision, id: id, campaignId: campaignId, follows: follows,
      sendingDomain: sendingDomain)
    // Every append takes this lock, so the check below sees any concurrent duplicate.
    try await connection.query(Self.auditLock, logger: logger)
    if let onlyFirst,
      let earlier = try await Self.auditEntries(
        connection.query(Self.firstDecision(messageId: decision.messageId), logger: logger)
      ).first
    {
      try earlier.answers(onlyFirst)
      return (earlier, false)
    }
    var previous = AuditChain.genesis
    for try await hash in try await connection.query(
      "SELECT hash FROM decision ORDER BY sequence DESC LIMIT 1", logger: logger
    ).decode(String.self) {
      previous = hash
    }
    let hash = AuditChain.hash(content: content, previous: previous)
    var sequence: Int64 = 0
    for try await inserted in try await connection.query(
      """
      INSERT INTO decision (id, message_id, customer_id, outcome, policy_version, decided_at,
        campaign_id, rules, content, previous_hash, hash, fingerprint)
      VALUES (\(id), \(decision.messageId), \(decision.customerId), \(decision.outcome.rawValue),
        \(decision.policy.version), \(at.timeIntervalSince1970), \(campaignId),
        \(AuditChain.rulesColumn(decision.reasons.map(\.rule))), \(content), \(previous),
        \(hash), \(fingerprint))
      RETURNING sequence
      """, logger: logger
    ).decode(Int64.self) {
      sequence = inserted
    }
    try await connection.query(
      """
      INSERT INTO audit_head (id, sequence, hash) VALUES (1, \(sequence), \(hash))
      ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash
      """, logger: logger)
    let entry = AuditEntry(
      sequence: sequence, id: id, messageId: decision.messageId,
      customerId: decision.customerId, outcome: decision.outcome,
      policyVersion: decision.policy.version, decidedAt: at, campaignId: campaignId,
      rules: decision.reasons.map(\.rule), content: content, previousHash: previous, hash: hash,
      fingerprint: fingerprint)
    return (entry, true)
  }

  /// Reads the head and the rows in one repeatable-read transaction, so an append landing
  /// between the two reads cannot look like tampering.
  public func verifyAudit() async throws -> AuditVerification {
    let logger = logger
    return try await client.withTransaction(logger: logger) { connection in
      try await connection.query(
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
      var head: (sequence: Int64, hash: String)?
      for try await row in try await connection.query(
        "SELECT sequence, hash FROM audit_head", logger: logger
      ).decode((Int64, String).self) {
        head = (row.0, row.1)
      }
      let rows = try await connection.query(
        "SELECT \(unescaped: Self.auditColumns) FROM decision ORDER BY sequence", logger: logger)
      return AuditChain.verify(try await Self.auditEntries(rows), head: head)
    }
  }

  public func decisions(customerId: String) async throws -> [AuditEntry] {
    try await Self.auditEntries(
      client.query(
        """
        SELECT \(unescaped: Self.auditColumns) FROM decision
        WHERE customer_id = \(customerId) ORDER BY sequence
        """, logger: logger))
  }

  public func decision(messageId: String) async throws -> AuditEntry? {
    try await Self.auditEntries(
      client.query(Self.firstDecision(messageId: messageId), logger: logger)
    ).first
  }

  static func firstDecision(messageId: String) -> PostgresQuery {
    """
    SELECT \(unescaped: auditColumns) FROM decision
    WHERE message_id = \(messageId) ORDER BY sequence LIMIT 1
    """
  }

  public func decisions(matching query: DecisionQuery) async throws -> [AuditEntry] {
    let outcome = query.outcome?.rawValue
    let since = query.since?.timeIntervalSince1970
    let until = query.until?.timeIntervalSince1970
    let code = query.code.map(AuditChain.codeMarker)
    let prefixes = query.requestPrefixes
    return try await Self.auditEntries(
      client.query(
        """
        SELECT \(unescaped: Self.auditColumns) FROM decision
        WHERE (\(outcome)::text IS NULL OR outcome = \(outcome))
          AND (\(query.customerId)::text IS NULL OR customer_id = \(query.customerId))
          AND (\(query.campaignId)::text IS NULL OR campaign_id = \(query.campaignId))
          AND (\(query.request)::text IS NULL OR starts_with(message_id, \(prefixes.first))
            OR starts_with(message_id, \(prefixes.last)))
          AND (\(query.rule)::text IS NULL OR position(' ' || \(query.rule) || ' ' in rules) > 0)
          AND (\(since)::float8 IS NULL OR decided_at >= \(since))
          AND (\(until)::float8 IS NULL OR decided_at < \(until))
          AND (\(query.before)::int8 IS NULL OR sequence < \(query.before))
          AND (\(code)::text IS NULL OR position(\(code) in content) > 0)
        ORDER BY sequence DESC LIMIT \(query.limit)
        """, logger: logger))
  }

  public func decision(id: String) async throws -> AuditEntry? {
    try await Self.auditEntries(
      client.query(
        "SELECT \(unescaped: Self.auditColumns) FROM decision WHERE id = \(id)", logger: logger)
    ).first
  }

  static let auditColumns = """
    sequence, id, message_id, customer_id, outcome, policy_version, decided_at, campaign_id,
    rules, content, previous_hash, hash, fingerprint
    """

  static func auditEntries(_ result: PostgresRowSequence) async throws -> [AuditEntry] {
    var rows: [AuditEntry] = []
    for try await (
      sequence, id, messageId, customerId, outcome, version, decidedAt, campaignId, rules,
      content, previous, hash, fingerprint
    ) in result.decode(
      (
        Int64, String, String, String, String, String, Double, String?, String, String,
        String, String, String?
      ).self)
    {
      rows.append(
        AuditEntry(
          sequence: sequence, id: id, messageId: messageId, customerId: customerId,
          outcome: Outcome(rawValue: outcome) ?? .failed, policyVersion: version,
          decidedAt: Date(timeIntervalSince1970: decidedAt), campaignId: campaignId,
          rules: AuditChain.rules(parsing: rules), content: content, previousHash: previous,
          hash: hash, fingerprint: fingerprint))
    }
    return rows
  }

  public func saveAPIKey(_ key: APIKeyRecord) async throws {
    try await client.query(
      """
      INSERT INTO api_key (id, name, scopes, secret_hash, created_at, expires_at)
      VALUES (\(key.id), \(key.name), \(key.scopes.joined(separator: " ")), \(key.secretHash),
        \(key.createdAt.timeIntervalSince1970), \(key.expiresAt?.timeIntervalSince1970))
      """, logger: logger)
  }

  public func apiKey(id: String) async throws -> APIKeyRecord? {
    try await keys(
      """
      SELECT id, name, scopes, secret_hash, created_at, expires_at, last_used_at, revoked_at
      FROM api_key WHERE id = \(id) AND revoked_at IS NULL
      """
    ).first
  }

  public func apiKeys() async throws -> [APIKeyRecord] {
    try await keys(
      """
      SELECT id, name, scopes, secret_hash, created_at, expires_at, last_used_at, revoked_at
      FROM api_key ORDER BY created_at, id
      """)
  }

  private func keys(_ query: PostgresQuery) async throws -> [APIKeyRecord] {
    var records: [APIKeyRecord] = []
    for try await (id, name, scopes, hash, createdAt, expiresAt, lastUsedAt, revokedAt)
      in try await client.query(query, logger: logger).decode(
        (String, String, String, String, Double, Double?, Double?, Double?).self)
    {
      records.append(
        APIKeyRecord(
          id: id, name: name, scopes: scopes.split(separator: " ").map(String.init),
          secretHash: hash, createdAt: Date(timeIntervalSince1970: createdAt),
          expiresAt: expiresAt.map(Date.init(timeIntervalSince1970:)),
          lastUsedAt: lastUsedAt.map(Date.init(timeIntervalSince1970:)),
          revokedAt: revokedAt.map(Date.init(timeIntervalSince1970:))))
    }
    return records
  }

  public func revokeAPIKey(id: String, at: Date) async throws -> Bool {
    var revoked = false
    for try await _ in try await client.query(
      """
      UPDATE api_key SET revoked_at = \(at.timeIntervalSince1970)
      WHERE id = \(id) AND revoked_at IS NULL RETURNING id
      """, logger: logger
    ).decode(String.self) {
      revoked = true
    }
    return revoked
  }

  public func noteAPIKeyUsed(id: String, at: Date) async throws {
    try await client.query(
      """
      UPDATE api_key SET last_used_at = greatest(coalesce(last_used_at, 0), \(at.timeIntervalSince1970))
      WHERE id = \(id)
      """, logger: logger)
  }

  public func savePolicyText(_ text: String, name: String, version: String, at: Date)
    async throws
  {
    try await client.query(
      """
      INSERT INTO policy_version (version, name, text, first_seen_at)
      VALUES (\(version), \(name), \(text), \(at.timeIntervalSince1970))
      ON CONFLICT (version) DO NOTHING
      """, logger: logger)
  }

  public func policyText(version: String) async throws -> String? {
    for try await text in try await client.query(
      "SELECT text FROM policy_version WHERE version = \(version)", logger: logger
    ).decode(String.self) {
      return text
    }
    return nil
  }
}
