import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func suppressOnce(
    _ validated: Validated<Suppression>, customerId: String, eventKey: String?, address: String?
  ) async throws -> SuppressionChange {
    let suppression = validated.record
    let id = StoredValues.newId("sup")
    let addressKey = addressKey
    return try await write { db in
      if let eventKey {
        try db.cachedStatement(
          sql: """
            INSERT INTO feedback_event (key, customer_id, received_at) VALUES (?, ?, ?)
            ON CONFLICT (key) DO NOTHING
            """
        ).execute(arguments: [eventKey, customerId, suppression.at.timeIntervalSince1970])
        if db.changesCount == 0 { return .replayed }
      }
      if let active = try String.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT id FROM suppression
            WHERE customer_id = ? AND reason = ? AND scope IN (?, 'all') AND lifted_at IS NULL
            ORDER BY at LIMIT 1
            """),
        arguments: [customerId, suppression.reason.rawValue, suppression.scope.description])
      {
        return .alreadyActive(id: active)
      }
      try Self.knowCustomer(db, customerId)
      try Self.insert(
        db, suppression, id: id, customerId: customerId, addressKey: addressKey,
        address: address, recordedAt: validated.checkedAt)
      return .added(id: id)
    }
  }

  public func setFrequencyPreference(
    _ preference: FrequencyPreference?, customerId: String, source: String, at: Date
  ) async throws {
    try await write { db in
      try Self.knowCustomer(db, customerId)
      try db.cachedStatement(
        sql: "UPDATE customer SET frequency_max = ?, frequency_window = ? WHERE id = ?"
      ).execute(
        arguments: [
          preference?.max, preference.map { StoredValues.window($0.window) }, customerId,
        ])
      try db.cachedStatement(
        sql: """
          INSERT INTO preference_event (customer_id, at, kind, value, source)
          VALUES (?, ?, 'frequency', ?, ?)
          """
      ).execute(
        arguments: [
          customerId, at.timeIntervalSince1970, StoredValues.describe(preference), source,
        ])
    }
  }

  public func customerIds(emails: [String]) async throws -> [String: [String]] {
    let lowered = Array(Set(emails.map { $0.lowercased() }))
    guard !lowered.isEmpty else { return [:] }
    return try await pool.read { db in
      var found: [String: [String]] = [:]
      // SQLite takes at most 32,766 bound values; a request names at most 1,000 recipients.
      for chunk in stride(from: 0, to: lowered.count, by: 1_000) {
        let part = Array(lowered[chunk..<min(chunk + 1_000, lowered.count)])
        let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
        let rows = try Row.fetchAll(
          db,
          sql:
            "SELECT lower(email) AS email, id FROM customer WHERE lower(email) IN (\(marks)) ORDER BY id",
          arguments: StatementArguments(part))
        for row in rows { found[row["email"], default: []].append(row["id"]) }
      }
      return found
    }
  }

  public func customerIds(email: String) async throws -> [String] {
    try await pool.read { db in
      try String.fetchAll(
        db.cachedStatement(
          sql: "SELECT id FROM customer WHERE lower(email) = lower(?) ORDER BY id"),
        arguments: [email])
    }
  }
}
