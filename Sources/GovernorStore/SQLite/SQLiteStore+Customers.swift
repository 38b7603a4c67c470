import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func exportCustomer(_ customerId: String) async throws -> CustomerExport? {
    try await pool.read { db in
      guard
        let state = try Self.state(db, customerId, sendsSince: .distantPast)
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
          liftedBy: row["lifted_by"],
          erasedAt: (row["erased_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
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
      let provenance = try Self.addressProvenance(db, customerId)
      return CustomerExport(
        profile: CustomerProfile(
          id: customerId, email: state.email, timeZone: state.timeZone?.identifier,
          frequencyPreference: state.frequencyPreference, emailSource: provenance.source,
          emailSince: provenance.since),
        consents: state.consents, suppressions: suppressions, sends: sends,
        preferenceChanges: preferences, decisions: decisions)
    }
  }
}
