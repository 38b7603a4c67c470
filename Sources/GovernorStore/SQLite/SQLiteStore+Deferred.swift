import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func holdDeferred(_ message: Message, releaseAt: Date, at: Date) async throws {
    try await write { db in
      try Self.hold(db, message, releaseAt: releaseAt, decisionId: nil, at: at)
    }
  }

  /// Inside the caller's transaction: a deferral is durable together with its decision.
  static func hold(
    _ db: Database, _ message: Message, releaseAt: Date, decisionId: String?, at: Date
  ) throws {
    let json = String(decoding: try StoredValues.messageEncoder.encode(message), as: UTF8.self)
    try db.cachedStatement(
      sql: """
        INSERT INTO deferred_message
          (message_id, customer_id, release_at, held_at, message, decision_id)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (message_id) DO UPDATE SET
          release_at = excluded.release_at, decision_id = excluded.decision_id
        """
    ).execute(
      arguments: [
        message.id, message.customerId, releaseAt.timeIntervalSince1970,
        at.timeIntervalSince1970, json, decisionId,
      ])
  }

  public func dueDeferred(at: Date, limit: Int) async throws -> [DeferredMessage] {
    try await pool.read { db in
      try Self.deferred(
        db, where: "release_at <= ?", arguments: [at.timeIntervalSince1970], limit: limit)
    }
  }

  public func deferred(customerId: String) async throws -> [DeferredMessage] {
    try await pool.read { db in
      try Self.deferred(db, where: "customer_id = ?", arguments: [customerId], limit: nil)
    }
  }

  private static func deferred(
    _ db: Database, where condition: String, arguments: StatementArguments, limit: Int?
  ) throws -> [DeferredMessage] {
    try Row.fetchAll(
      db.cachedStatement(
        sql: "SELECT * FROM deferred_message WHERE \(condition) ORDER BY release_at, message_id"
          + (limit.map { " LIMIT \($0)" } ?? "")),
      arguments: arguments
    ).map { row in
      DeferredMessage(
        message: try StoredValues.message(row["message"]),
        releaseAt: Date(timeIntervalSince1970: row["release_at"]),
        heldAt: Date(timeIntervalSince1970: row["held_at"]), decisionId: row["decision_id"])
    }
  }

  public func removeDeferred(messageId: String) async throws -> Bool {
    try await write { db in
      try db.cachedStatement(sql: "DELETE FROM deferred_message WHERE message_id = ?").execute(
        arguments: [messageId])
      return db.changesCount > 0
    }
  }

  public func release(messageId: String, engine: Engine, at now: Date) async throws
    -> ReleasedMessage?
  {
    let id = StoredValues.newId("dec")
    let addressKey = addressKey
    return try await write { db in
      // The message is read under the lock here, so its digest is too (releases are few).
      guard
        let row = try Row.fetchOne(
          db.cachedStatement(sql: "SELECT * FROM deferred_message WHERE message_id = ?"),
          arguments: [messageId])
      else { return nil }
      try db.cachedStatement(sql: "DELETE FROM deferred_message WHERE message_id = ?").execute(
        arguments: [messageId])
      let message = try StoredValues.message(row["message"])
      let (state, knownAddress) = try Self.stateForDecision(
        db, message, engine: engine, at: now, addressKey: addressKey,
        recipientKey: addressKey?.digest(of: message.to))
      let plan = DecisionStep.plan(
        message, state: state, knownAddress: knownAddress, engine: engine, at: now)
      return ReleasedMessage(
        message: message,
        decided: try Self.carryOut(
          db, plan, message, decisionId: id, follows: row["decision_id"],
          fingerprint: message.fingerprint, at: now))
    }
  }
}
