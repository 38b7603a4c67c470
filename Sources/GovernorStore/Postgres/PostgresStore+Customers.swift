import Foundation
import GovernorCore
import PostgresNIO

extension PostgresStore {
  public func holdDeferred(_ message: Message, releaseAt: Date, at: Date) async throws {
    let json = String(decoding: try StoredValues.messageEncoder.encode(message), as: UTF8.self)
    try await client.query(
      """
      INSERT INTO deferred_message (message_id, customer_id, release_at, held_at, message)
      VALUES (\(message.id), \(message.customerId), \(releaseAt.timeIntervalSince1970),
        \(at.timeIntervalSince1970), \(json))
      ON CONFLICT (message_id) DO UPDATE SET release_at = excluded.release_at
      """, logger: logger)
  }

  public func dueDeferred(at: Date, limit: Int) async throws -> [DeferredMessage] {
    var due: [DeferredMessage] = []
    for try await (json, releaseAt, heldAt) in try await client.query(
      """
      SELECT message, release_at, held_at FROM deferred_message
      WHERE release_at <= \(at.timeIntervalSince1970)
      ORDER BY release_at, message_id LIMIT \(limit)
      """, logger: logger
    ).decode((String, Double, Double).self) {
      due.append(
        DeferredMessage(
          message: try StoredValues.message(json),
          releaseAt: Date(timeIntervalSince1970: releaseAt),
          heldAt: Date(timeIntervalSince1970: heldAt)))
    }
    return due
  }

  public func removeDeferred(messageId: String) async throws -> Bool {
    try await !client.query(
      "DELETE FROM deferred_message WHERE message_id = \(messageId) RETURNING message_id",
      logger: logger
    ).collect().isEmpty
  }

  public func exportCustomer(_ customerId: String) async throws -> CustomerExport? {
    let logger = logger
    return try await client.withConnection { connection in
      guard
        let state = try await Self.state(
          connection, customerId, sendsSince: .distantPast, logger: logger)
      else { return nil }
      var suppressions: [SuppressionHistory] = []
      for try await (id, reason, scope, at, source, liftedAt, liftedBy)
        in try await connection
        .query(
          """
          SELECT id, reason, scope, at, source, lifted_at, lifted_by FROM suppression
          WHERE customer_id = \(customerId) ORDER BY at, id
          """, logger: logger
        ).decode((String, String, String, Double, String?, Double?, String?).self)
      {
        suppressions.append(
          SuppressionHistory(
            id: id,
            suppression: try StoredValues.suppression(
              reason: reason, scope: scope, at: at, source: source),
            liftedAt: liftedAt.map(Date.init(timeIntervalSince1970:)), liftedBy: liftedBy))
      }
      let sends = try await Self.entries(
        connection.query(
          """
          SELECT message_id, customer_id, category, campaign_id, reserved_at, status, detail
          FROM send_ledger WHERE customer_id = \(customerId) ORDER BY reserved_at, message_id
          """, logger: logger))
      var decisions: [String] = []
      for try await content in try await connection.query(
        "SELECT content FROM decision WHERE customer_id = \(customerId) ORDER BY sequence",
        logger: logger
      ).decode(String.self) {
        decisions.append(content)
      }
      return CustomerExport(
        profile: CustomerProfile(
          id: customerId, email: state.email, timeZone: state.timeZone?.identifier,
          frequencyPreference: state.frequencyPreference),
        consents: state.consents, suppressions: suppressions, sends: sends,
        decisions: decisions)
    }
  }

  public func eraseCustomer(_ customerId: String) async throws -> Bool {
    let logger = logger
    return try await client.withTransaction(logger: logger) { connection in
      let existed = try await !connection.query(
        "DELETE FROM customer WHERE id = \(customerId) RETURNING id", logger: logger
      ).collect().isEmpty
      try await connection.query(
        "DELETE FROM consent_event WHERE customer_id = \(customerId)", logger: logger)
      try await connection.query(
        "DELETE FROM suppression WHERE customer_id = \(customerId)", logger: logger)
      try await connection.query(
        "DELETE FROM send_ledger WHERE customer_id = \(customerId)", logger: logger)
      try await connection.query(
        "DELETE FROM deferred_message WHERE customer_id = \(customerId)", logger: logger)
      return existed
    }
  }
}
