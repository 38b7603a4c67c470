import Foundation
import GovernorCore
import Logging
import PostgresNIO

extension PostgresStore {
  public func changeAddress(customerId: String, to email: String, source: String, at: Date)
    async throws -> AddressChange
  {
    let logger = logger
    return try await client.withTransaction(logger: logger) { connection in
      try await connection.query(Self.customerLock(customerId), logger: logger)
      guard let previous = try await Self.currentAddress(connection, customerId, logger: logger)
      else { return .unknownCustomer }
      // The same mailbox written with another domain case is no change: nothing to record.
      if let previous, Mailbox.sameAddress(previous, email) { return .unchanged }
      try await connection.query(
        """
        UPDATE customer SET email = \(email), email_source = \(source),
          email_since = \(at.timeIntervalSince1970)
        WHERE id = \(customerId)
        """, logger: logger)
      try await Self.recordAddressChange(
        connection, customerId, from: previous, to: email, source: source, at: at, logger: logger)
      return .changed
    }
  }

  /// The customer's address: nil for a customer the store does not know, `.some(nil)` for
  /// one known without an address.
  static func currentAddress(
    _ connection: PostgresConnection, _ customerId: String, logger: Logger
  ) async throws -> String?? {
    for try await email in try await connection.query(
      "SELECT email FROM customer WHERE id = \(customerId)", logger: logger
    ).decode(String?.self) {
      return .some(email)
    }
    return nil
  }

  /// Every address change goes into the customer's change log with its source. A customer's
  /// first address is also the one their earlier consent was given for: consent recorded
  /// while no address was known names none until then.
  static func recordAddressChange(
    _ connection: PostgresConnection, _ customerId: String, from previous: String?,
    to email: String?, source: String, at: Date, logger: Logger
  ) async throws {
    try await connection.query(
      """
      INSERT INTO preference_event (customer_id, at, kind, value, source)
      VALUES (\(customerId), \(at.timeIntervalSince1970), \(StoredValues.addressChangeKind),
        \(email), \(source))
      """, logger: logger)
    guard previous == nil, let email else { return }
    try await connection.query(
      """
      UPDATE consent_event SET address = \(email)
      WHERE customer_id = \(customerId) AND address IS NULL
      """, logger: logger)
  }
}
