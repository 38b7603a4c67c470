import Foundation
import GovernorCore
import Logging
import PostgresNIO

extension PostgresStore {
  public func holdDeferred(_ message: Message, releaseAt: Date, at: Date) async throws {
    let logger = logger
    try await client.withConnection { connection in
      try await Self.hold(
        connection, message, releaseAt: releaseAt, decisionId: nil, at: at, logger: logger)
    }
  }

  /// Inside the caller's transaction: a deferral is durable together with its decision.
  static func hold(
    _ connection: PostgresConnection, _ message: Message, releaseAt: Date, decisionId: String?,
    at: Date, logger: Logger
  ) async throws {
    let json = String(decoding: try StoredValues.messageEncoder.encode(message), as: UTF8.self)
    try await connection.query(
      """
      INSERT INTO deferred_message
        (message_id, customer_id, release_at, held_at, message, decision_id)
      VALUES (\(message.id), \(message.customerId), \(releaseAt.timeIntervalSince1970),
        \(at.timeIntervalSince1970), \(json), \(decisionId))
      ON CONFLICT (message_id) DO UPDATE SET
        release_at = excluded.release_at, decision_id = excluded.decision_id
      """, logger: logger)
  }

  public func dueDeferred(at: Date, limit: Int) async throws -> [DeferredMessage] {
    try await deferred(
      """
      SELECT message, release_at, held_at, decision_id FROM deferred_message
      WHERE release_at <= \(at.timeIntervalSince1970)
      ORDER BY release_at, message_id LIMIT \(limit)
      """)
  }

  public func deferred(customerId: String) async throws -> [DeferredMessage] {
    try await deferred(
      """
      SELECT message, release_at, held_at, decision_id FROM deferred_message
      WHERE customer_id = \(customerId) ORDER BY release_at, message_id
      """)
  }

  private func deferred(_ query: PostgresQuery) async throws -> [DeferredMessage] {
    var held: [DeferredMessage] = []
    for try await (json, releaseAt, heldAt, decisionId) in try await client.query(
      query, logger: logger
    ).decode((String, Double, Double, String?).self) {
      held.append(
        DeferredMessage(
          message: try StoredValues.message(json),
          releaseAt: Date(timeIntervalSince1970: releaseAt),
          heldAt: Date(timeIntervalSince1970: heldAt), decisionId: decisionId))
    }
    return held
  }

  public func removeDeferred(messageId: String) async throws -> Bool {
    try await !client.query(
      "DELETE FROM deferred_message WHERE message_id = \(messageId) RETURNING message_id",
      logger: logger
    ).collect().isEmpty
  }

  /// The DELETE … RETURNING claims the row: a second gateway releasing the same message at the
  /// same moment deletes nothing and gets nil.
  public func release(messageId: String, engine: Engine, at now: Date) async throws
    -> ReleasedMessage?
  {
    let logger = logger
    let addressKey = addressKey
    let id = StoredValues.newId("dec")
    return try await client.withTransaction(logger: logger) { connection in
      var claimed: (json: String, decisionId: String?)?
      for try await (json, decisionId) in try await connection.query(
        """
        DELETE FROM deferred_message WHERE message_id = \(messageId)
        RETURNING message, decision_id
        """, logger: logger
      ).decode((String, String?).self) {
        claimed = (json, decisionId)
      }
      guard let claimed else { return nil }
      let message = try StoredValues.message(claimed.json)
      try await connection.query(Self.customerLock(message.customerId), logger: logger)
      let plan = try await Self.plan(
        connection, message, engine: engine, at: now, addressKey: addressKey, logger: logger)
      return ReleasedMessage(
        message: message,
        decided: try await Self.carryOut(
          connection, plan, message, decisionId: id, follows: claimed.decisionId,
          fingerprint: message.fingerprint, onlyFirst: false, at: now, logger: logger))
    }
  }
}
