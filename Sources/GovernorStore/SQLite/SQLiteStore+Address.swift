import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func changeAddress(customerId: String, to email: String, source: String, at: Date)
    async throws -> AddressChange
  {
    try await write { db in
      guard let previous = try Self.currentAddress(db, customerId) else {
        return .unknownCustomer
      }
      // The same mailbox written with another domain case is no change: nothing to record.
      if let previous, Mailbox.sameAddress(previous, email) { return .unchanged }
      try db.cachedStatement(
        sql: "UPDATE customer SET email = ?, email_source = ?, email_since = ? WHERE id = ?"
      ).execute(arguments: [email, source, at.timeIntervalSince1970, customerId])
      try Self.recordAddressChange(
        db, customerId, from: previous, to: email, source: source, at: at)
      return .changed
    }
  }

  /// The customer's address: nil for a customer the store does not know, `.some(nil)` for
  /// one known without an address.
  static func currentAddress(_ db: Database, _ customerId: String) throws -> String?? {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT email FROM customer WHERE id = ?"), arguments: [customerId])
    else { return nil }
    return .some(row["email"])
  }

  /// Every address change goes into the customer's change log with its source. A customer's
  /// first address is also the one their earlier consent was given for: consent recorded
  /// while no address was known names none until then.
  static func recordAddressChange(
    _ db: Database, _ customerId: String, from previous: String?, to email: String?,
    source: String, at: Date
  ) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO preference_event (customer_id, at, kind, value, source)
        VALUES (?, ?, ?, ?, ?)
        """
    ).execute(
      arguments: [
        customerId, at.timeIntervalSince1970, StoredValues.addressChangeKind, email, source,
      ])
    guard previous == nil, let email else { return }
    try db.cachedStatement(
      sql: "UPDATE consent_event SET address = ? WHERE customer_id = ? AND address IS NULL"
    ).execute(arguments: [email, customerId])
  }
}
