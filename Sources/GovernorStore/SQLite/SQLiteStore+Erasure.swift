import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func eraseCustomer(_ customerId: String) async throws -> Bool {
    let addressKey = addressKey
    let erasedAt = Date().timeIntervalSince1970
    return try await write { db in
      let email = try String.fetchOne(
        db, sql: "SELECT email FROM customer WHERE id = ?", arguments: [customerId])
      try db.cachedStatement(sql: "DELETE FROM customer WHERE id = ?").execute(arguments: [
        customerId
      ])
      let existed = db.changesCount > 0
      try db.execute(
        sql: "DELETE FROM suppression WHERE customer_id = ? AND lifted_at IS NOT NULL",
        arguments: [customerId])
      try db.execute(
        sql: """
          UPDATE suppression SET source = ?, address_key = coalesce(?, address_key),
            erased_at = coalesce(erased_at, ?)
          WHERE customer_id = ?
          """,
        arguments: [
          StoredValues.keptAtErasure, email.flatMap { addressKey?.digest(of: $0) }, erasedAt,
          customerId,
        ])
      for table in [
        "consent_event", "send_ledger", "deferred_message", "feedback_event", "preference_event",
      ] {
        try db.execute(
          sql: "DELETE FROM \(table) WHERE customer_id = ?", arguments: [customerId])
      }
      return existed
    }
  }

  static func hasKeptSuppressions(_ db: Database, _ customerId: String) throws -> Bool {
    try Bool.fetchOne(
      db.cachedStatement(
        sql: "SELECT 1 FROM suppression WHERE customer_id = ? AND erased_at IS NOT NULL LIMIT 1"),
      arguments: [customerId]) ?? false
  }

  /// Erased customers with a kept suppression.
  static func keptSuppressionOwners(_ db: Database) throws -> [String] {
    try String.fetchAll(
      db, sql: "SELECT DISTINCT customer_id FROM suppression WHERE erased_at IS NOT NULL")
  }
}
