import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func exportCustomer(_ customerId: String) async throws -> CustomerExport? {
    try await pool.read { db in
      guard
        let state = try Self.state(db, customerId, sendsSince: .distantPast),
        let row = try Row.fetchOne(
          db.cachedStatement(sql: "SELECT * FROM customer WHERE id = ?"), arguments: [customerId])
      else { return nil }
      let suppressions = try Row.fetchAll(
        db.cachedStatement(sql: "SELECT * FROM suppression WHERE customer_id = ? ORDER BY at, id"),
        arguments: [customerId]
      ).map { row in
        SuppressionHistory(
          id: row["id"],
          suppression: try StoredValues.suppression(
            reason: row["reason"], scope: row["scope"], at: row["at"], source: row["source"]),
          liftedAt: (row["lifted_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
          liftedBy: row["lifted_by"])
      }
      let sends = try Self.entries(db, customerId: customerId)
      let decisions = try String.fetchAll(
        db.cachedStatement(
          sql: "SELECT content FROM decision WHERE customer_id = ? ORDER BY sequence"),
        arguments: [customerId])
      let preferences = try Row.fetchAll(
        db.cachedStatement(
          sql: "SELECT * FROM preference_event WHERE customer_id = ? ORDER BY at, rowid"),
        arguments: [customerId]
      ).map { row in
        PreferenceChange(
          kind: row["kind"], value: row["value"], source: row["source"],
          at: Date(timeIntervalSince1970: row["at"]))
      }
      return CustomerExport(
        profile: CustomerProfile(
          id: customerId, email: row["email"], timeZone: row["time_zone"],
          frequencyPreference: state.frequencyPreference),
        consents: state.consents, suppressions: suppressions, sends: sends,
        preferenceChanges: preferences, decisions: decisions)
    }
  }

  public func eraseCustomer(_ customerId: String) async throws -> Bool {
    try await write { db in
      try db.cachedStatement(sql: "DELETE FROM customer WHERE id = ?").execute(arguments: [
        customerId
      ])
      let existed = db.changesCount > 0
      for table in [
        "consent_event", "suppression", "send_ledger", "deferred_message", "feedback_event",
        "preference_event",
      ] {
        try db.execute(
          sql: "DELETE FROM \(table) WHERE customer_id = ?", arguments: [customerId])
      }
      return existed
    }
  }
}
