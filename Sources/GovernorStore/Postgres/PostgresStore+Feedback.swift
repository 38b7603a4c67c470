import Foundation
import GovernorCore
import PostgresNIO

extension PostgresStore {
  /// Under the customer's lock, so two copies of one event arriving at two gateways at once
  /// still add one suppression.
  public func suppressOnce(
    _ validated: Validated<Suppression>, customerId: String, eventKey: String?, address: String?
  ) async throws -> SuppressionChange {
    let suppression = validated.record
    let id = StoredValues.newId("sup")
    let logger = logger
    let addressKey = addressKey
    return try await client.withTransaction(logger: logger) { connection in
      try await connection.query(Self.customerLock(customerId), logger: logger)
      if let eventKey {
        let inserted = try await connection.query(
          """
          INSERT INTO feedback_event (key, customer_id, received_at)
          VALUES (\(eventKey), \(customerId), \(suppression.at.timeIntervalSince1970))
          ON CONFLICT (key) DO NOTHING RETURNING key
          """, logger: logger
        ).collect()
        if inserted.isEmpty { return .replayed }
      }
      for try await active in try await connection.query(
        """
        SELECT id FROM suppression
        WHERE customer_id = \(customerId) AND reason = \(suppression.reason.rawValue)
          AND scope IN (\(suppression.scope.description), 'all') AND lifted_at IS NULL
        ORDER BY at LIMIT 1
        """, logger: logger
      ).decode(String.self) {
        return .alreadyActive(id: active)
      }
      try await Self.insertSuppression(
        connection, suppression, id: id, customerId: customerId, addressKey: addressKey,
        address: address, recordedAt: validated.checkedAt, logger: logger)
      return .added(id: id)
    }
  }

  public func setFrequencyPreference(
    _ preference: FrequencyPreference?, customerId: String, source: String, at: Date
  ) async throws {
    let logger = logger
    let window = preference.map { StoredValues.window($0.window) }
    try await client.withTransaction(logger: logger) { connection in
      try await connection.query(
        """
        INSERT INTO customer (id, frequency_max, frequency_window)
        VALUES (\(customerId), \(preference?.max), \(window))
        ON CONFLICT (id) DO UPDATE SET
          frequency_max = excluded.frequency_max, frequency_window = excluded.frequency_window
        """, logger: logger)
      try await connection.query(
        """
        INSERT INTO preference_event (customer_id, at, kind, value, source)
        VALUES (\(customerId), \(at.timeIntervalSince1970), 'frequency',
          \(StoredValues.describe(preference)), \(source))
        """, logger: logger)
    }
  }

  public func customerIds(emails: [String]) async throws -> [String: [String]] {
    let lowered = Array(Set(emails.map { $0.lowercased() }))
    guard !lowered.isEmpty else { return [:] }
    var found: [String: [String]] = [:]
    for try await (email, id) in try await client.query(
      """
      SELECT lower(email), id FROM customer WHERE lower(email) = ANY(\(lowered)) ORDER BY id
      """, logger: logger
    ).decode((String, String).self) {
      found[email, default: []].append(id)
    }
    return found
  }

  public func customerIds(email: String) async throws -> [String] {
    var ids: [String] = []
    for try await id in try await client.query(
      "SELECT id FROM customer WHERE lower(email) = lower(\(email)) ORDER BY id", logger: logger
    ).decode(String.self) {
      ids.append(id)
    }
    return ids
  }
}
