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

  /// The same instant twice: once for each kind of opt-out.
  static let optedOutSQL = """
    SELECT customer_id FROM suppression
    WHERE reason IN ('unsubscribed', 'complaint') AND at >= ?
    UNION
    SELECT customer_id FROM consent_event WHERE status = 'withdrawn' AND at >= ?
    ORDER BY 1
    """
}
