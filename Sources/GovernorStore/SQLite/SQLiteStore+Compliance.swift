import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func customersOptedOut(since: Date) async throws -> [String] {
    try await pool.read { db in
      try String.fetchAll(
        db, sql: SQLiteStore.optedOutSQL,
        arguments: [since.timeIntervalSince1970, since.timeIntervalSince1970])
    }
  }

  public func optOutRecordings(customerId: String) async throws -> [OptOutRecording] {
    try await pool.read { db in
      try Row.fetchAll(
        db, sql: SQLiteStore.recordingsSQL, arguments: [customerId, customerId]
      ).map {
        OptOutRecording(
          kind: $0["kind"], scope: $0["scope"], at: Date(timeIntervalSince1970: $0["at"]),
          recordedAt: Date(timeIntervalSince1970: $0["recorded_at"]))
      }
    }
  }

  /// The customer's id twice: once for each kind of opt-out.
  static let recordingsSQL = """
    SELECT reason AS kind, scope, at, recorded_at FROM suppression
    WHERE customer_id = ? AND reason IN ('unsubscribed', 'complaint') AND recorded_at IS NOT NULL
    UNION ALL
    SELECT 'consent_withdrawn', purpose, at, recorded_at FROM consent_event
    WHERE customer_id = ? AND status = 'withdrawn' AND recorded_at IS NOT NULL
    """

  /// The same instant twice: once for each kind of opt-out.
  static let optedOutSQL = """
    SELECT customer_id FROM suppression
    WHERE reason IN ('unsubscribed', 'complaint') AND at >= ?
    UNION
    SELECT customer_id FROM consent_event WHERE status = 'withdrawn' AND at >= ?
    ORDER BY 1
    """
}
