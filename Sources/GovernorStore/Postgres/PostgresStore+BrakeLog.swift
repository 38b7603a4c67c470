import Foundation
import GovernorCore
import PostgresNIO

extension PostgresStore {
  /// Under the log's own lock, so two gateways seeing one change record it once.
  public func recordBrakes(_ book: ReputationBook, policyVersion: String, at now: Date)
    async throws -> [BrakeChange]
  {
    let logger = logger
    return try await client.withTransaction(logger: logger) { connection in
      try await connection.query("SELECT pg_advisory_xact_lock(7303)", logger: logger)
      var recorded: [String: String] = [:]
      for try await (series, state) in try await connection.query(
        PostgresQuery(unsafeSQL: SQLiteStore.lastBrakeStates), logger: logger
      ).decode((String, String).self) {
        recorded[series] = state
      }
      let changes = BrakeChange.changes(recorded: recorded, to: book, at: now)
      guard !changes.isEmpty else { return [] }
      var sequence: Int64 = 0
      var previous = AuditChain.genesis
      for try await (last, hash) in try await connection.query(
        "SELECT sequence, hash FROM brake_change ORDER BY sequence DESC LIMIT 1", logger: logger
      ).decode((Int64, String).self) {
        sequence = last
        previous = hash
      }
      for change in changes {
        sequence += 1
        let content = change.canonical(policyVersion: policyVersion)
        let hash = AuditChain.hash(content: content, previous: previous)
        try await connection.query(
          """
          INSERT INTO brake_change
            (sequence, series, state, changed_at, content, previous_hash, hash)
          VALUES (\(sequence), \(change.series), \(change.to), \(now.timeIntervalSince1970),
            \(content), \(previous), \(hash))
          """, logger: logger)
        previous = hash
      }
      return changes
    }
  }

  public func brakeChanges(since: Date) async throws -> [BrakeChange] {
    var changes: [BrakeChange] = []
    for try await content in try await client.query(
      """
      SELECT content FROM brake_change WHERE changed_at >= \(since.timeIntervalSince1970)
      ORDER BY sequence DESC
      """, logger: logger
    ).decode(String.self) {
      if let change = BrakeChange(canonical: content) { changes.append(change) }
    }
    return changes
  }

  public func verifyBrakeLog() async throws -> AuditVerification {
    var rows: [BrakeLogRow] = []
    for try await (sequence, content, previous, hash) in try await client.query(
      "SELECT sequence, content, previous_hash, hash FROM brake_change ORDER BY sequence",
      logger: logger
    ).decode((Int64, String, String, String).self) {
      rows.append(
        BrakeLogRow(sequence: sequence, content: content, previousHash: previous, hash: hash))
    }
    return BrakeLogRow.verify(rows)
  }
}
