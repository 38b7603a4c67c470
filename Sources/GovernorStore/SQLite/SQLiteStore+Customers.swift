import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func holdDeferred(_ message: Message, releaseAt: Date, at: Date) async throws {
    let json = String(decoding: try StoredValues.messageEncoder.encode(message), as: UTF8.self)
    try await write { db in
      try db.cachedStatement(
        sql: """
          INSERT INTO deferred_message (message_id, customer_id, release_at, held_at, message)
          VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (message_id) DO UPDATE SET release_at = excluded.release_at
          """
      ).execute(
        arguments: [
          message.id, message.customerId, releaseAt.timeIntervalSince1970,
          at.timeIntervalSince1970, json,
        ])
    }
  }

  public func dueDeferred(at: Date, limit: Int) async throws -> [DeferredMessage] {
    try await pool.read { db in
      try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT * FROM deferred_message WHERE release_at <= ?
            ORDER BY release_at, message_id LIMIT ?
            """),
        arguments: [at.timeIntervalSince1970, limit]
      ).map { row in
        DeferredMessage(
          message: try StoredValues.message(row["message"]),
          releaseAt: Date(timeIntervalSince1970: row["release_at"]),
          heldAt: Date(timeIntervalSince1970: row["held_at"]))
      }
    }
  }

  public func removeDeferred(messageId: String) async throws -> Bool {
    try await write { db in
      try db.cachedStatement(sql: "DELETE FROM deferred_message WHERE message_id = ?").execute(
        arguments: [messageId])
      return db.changesCount > 0
    }
  }

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
      return CustomerExport(
        profile: CustomerProfile(
          id: customerId, email: row["email"], timeZone: row["time_zone"],
          frequencyPreference: state.frequencyPreference),
        consents: state.consents, suppressions: suppressions, sends: sends,
        decisions: decisions)
    }
  }

  public func eraseCustomer(_ customerId: String) async throws -> Bool {
    try await write { db in
      try db.cachedStatement(sql: "DELETE FROM customer WHERE id = ?").execute(arguments: [
        customerId
      ])
      let existed = db.changesCount > 0
      for table in ["consent_event", "suppression", "send_ledger", "deferred_message"] {
        try db.execute(
          sql: "DELETE FROM \(table) WHERE customer_id = ?", arguments: [customerId])
      }
      return existed
    }
  }
}
