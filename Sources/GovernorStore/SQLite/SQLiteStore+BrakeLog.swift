import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func recordBrakes(_ book: ReputationBook, policyVersion: String, at now: Date)
    async throws -> [BrakeChange]
  {
    // One writer at a time: the states read here are the log's last.
    try await write { db in
      var recorded: [String: String] = [:]
      for row in try Row.fetchAll(db, sql: SQLiteStore.lastBrakeStates) {
        recorded[row["series"]] = row["state"]
      }
      let changes = BrakeChange.changes(recorded: recorded, to: book, at: now)
      guard !changes.isEmpty else { return [] }
      let last = try Row.fetchOne(
        db, sql: "SELECT sequence, hash FROM brake_change ORDER BY sequence DESC LIMIT 1")
      var sequence: Int64 = last?["sequence"] ?? 0
      var previous: String = last?["hash"] ?? AuditChain.genesis
      for change in changes {
        sequence += 1
        let content = change.canonical(policyVersion: policyVersion)
        let hash = AuditChain.hash(content: content, previous: previous)
        try db.execute(
          sql: """
            INSERT INTO brake_change
              (sequence, series, state, changed_at, content, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
          arguments: [
            sequence, change.series, change.to, now.timeIntervalSince1970, content, previous,
            hash,
          ])
        previous = hash
      }
      return changes
    }
  }

  static let lastBrakeStates = """
    SELECT series, state FROM brake_change AS b
    WHERE sequence = (SELECT MAX(sequence) FROM brake_change AS c WHERE c.series = b.series)
    """

  public func brakeChanges(since: Date) async throws -> [BrakeChange] {
    try await pool.read { db in
      try String.fetchAll(
        db,
        sql: "SELECT content FROM brake_change WHERE changed_at >= ? ORDER BY sequence DESC",
        arguments: [since.timeIntervalSince1970]
      ).compactMap(BrakeChange.init(canonical:))
    }
  }

  public func verifyBrakeLog() async throws -> AuditVerification {
    let rows = try await pool.read { db in
      try Row.fetchAll(
        db, sql: "SELECT sequence, content, previous_hash, hash FROM brake_change ORDER BY sequence"
      ).map {
        BrakeLogRow(
          sequence: $0["sequence"], content: $0["content"], previousHash: $0["previous_hash"],
          hash: $0["hash"])
      }
    }
    return BrakeLogRow.verify(rows)
  }
}
