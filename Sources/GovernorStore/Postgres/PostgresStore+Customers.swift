import Foundation
import GovernorCore
import PostgresNIO

extension PostgresStore {
  public func exportCustomer(_ customerId: String) async throws -> CustomerExport? {
    let logger = logger
    return try await client.withConnection { connection in
      guard
        let state = try await Self.state(
          connection, customerId, sendsSince: .distantPast, logger: logger)
      else { return nil }
      var suppressions: [SuppressionHistory] = []
      for try await (id, reason, scope, at, source, liftedAt, liftedBy, erasedAt)
        in try await connection
        .query(
          """
          SELECT id, reason, scope, at, source, lifted_at, lifted_by, erased_at FROM suppression
          WHERE customer_id = \(customerId) ORDER BY at, id
          """, logger: logger
        ).decode((String, String, String, Double, String?, Double?, String?, Double?).self)
      {
        suppressions.append(
          SuppressionHistory(
            id: id,
            suppression: try StoredValues.suppression(
              reason: reason, scope: scope, at: at, source: source),
            liftedAt: liftedAt.map(Date.init(timeIntervalSince1970:)), liftedBy: liftedBy,
            erasedAt: erasedAt.map(Date.init(timeIntervalSince1970:))))
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
      var preferences: [PreferenceChange] = []
      for try await (kind, value, source, at) in try await connection.query(
        """
        SELECT kind, value, source, at FROM preference_event
        WHERE customer_id = \(customerId) ORDER BY at
        """, logger: logger
      ).decode((String, String?, String, Double).self) {
        preferences.append(
          PreferenceChange(
            kind: kind, value: value, source: source, at: Date(timeIntervalSince1970: at)))
      }
      let provenance = try await Self.addressProvenance(connection, customerId, logger: logger)
      return CustomerExport(
        profile: CustomerProfile(
          id: customerId, email: state.email, timeZone: state.timeZone?.identifier,
          frequencyPreference: state.frequencyPreference, emailSource: provenance.source,
          emailSince: provenance.since),
        consents: state.consents, suppressions: suppressions, sends: sends,
        preferenceChanges: preferences, decisions: decisions)
    }
  }

  public func eraseCustomer(_ customerId: String) async throws -> Bool {
    let logger = logger
    let addressKey = addressKey
    let erasedAt = Date().timeIntervalSince1970
    let kept = StoredValues.keptAtErasure
    return try await client.withTransaction(logger: logger) { connection in
      var existed = false
      var email: String?
      for try await address in try await connection.query(
        "DELETE FROM customer WHERE id = \(customerId) RETURNING email", logger: logger
      ).decode(String?.self) {
        existed = true
        email = address
      }
      let digest = email.map { addressKey.digest(of: $0) }
      try await connection.query(
        "DELETE FROM consent_event WHERE customer_id = \(customerId)", logger: logger)
      try await connection.query(
        "DELETE FROM suppression WHERE customer_id = \(customerId) AND lifted_at IS NOT NULL",
        logger: logger)
      try await connection.query(
        """
        UPDATE suppression SET source = \(kept), address_key = coalesce(\(digest), address_key),
          erased_at = coalesce(erased_at, \(erasedAt))
        WHERE customer_id = \(customerId)
        """, logger: logger)
      try await connection.query(
        "DELETE FROM send_ledger WHERE customer_id = \(customerId)", logger: logger)
      try await connection.query(
        "DELETE FROM deferred_message WHERE customer_id = \(customerId)", logger: logger)
      try await connection.query(
        "DELETE FROM feedback_event WHERE customer_id = \(customerId)", logger: logger)
      try await connection.query(
        "DELETE FROM preference_event WHERE customer_id = \(customerId)", logger: logger)
      return existed
    }
  }
}
