import Foundation
import GovernorCore
import Logging
import PostgresNIO

extension PostgresStore {
  public func reserve(_ message: Message, engine: Engine, at now: Date) async throws
    -> Reservation
  {
    let logger = logger
    let addressKey = addressKey
    return try await client.withTransaction(logger: logger) { connection in
      try await Self.reserve(
        connection, message, engine: engine, at: now, addressKey: addressKey, logger: logger)
    }
  }

  /// Lock order: the customer's lock, then the audit lock; nothing takes them the other way.
  /// Duplicates of a message share its customer, so the customer's lock orders them.
  public func decide(_ message: Message, engine: Engine, at now: Date) async throws
    -> DecidedMessage
  {
    let logger = logger
    let addressKey = addressKey
    let id = StoredValues.newId("dec")
    let fingerprint = message.fingerprint
    return try await Self.unwrappingConflict { [client] in
      try await client.withTransaction(logger: logger) { connection in
        try await connection.query(Self.customerLock(message.customerId), logger: logger)
        if let earlier = try await Self.auditEntries(
          connection.query(Self.firstDecision(messageId: message.id), logger: logger)
        ).first {
          try MessageIdConflict.check(earlier, against: fingerprint)
          return DecidedMessage(entry: earlier, decision: nil, reserved: false)
        }
        let reservation = try await Self.reserve(
          connection, message, engine: engine, at: now, addressKey: addressKey, logger: logger)
        // Still first-only: a client reusing a message id for another customer is not ordered
        // by that customer's lock. A conflict found there rolls back the reservation with the
        // rest of the transaction.
        let (entry, isNew) = try await Self.append(
          connection, reservation.decision, id: id, campaignId: message.campaignId,
          fingerprint: fingerprint, at: now, onlyFirst: fingerprint, logger: logger)
        guard isNew else { return DecidedMessage(entry: entry, decision: nil, reserved: false) }
        try await Self.holdIfDeferred(
          connection, message, reservation.decision, decisionId: id, at: now, logger: logger)
        return DecidedMessage(
          entry: entry, decision: reservation.decision, reserved: reservation.reserved)
      }
    }
  }

  /// PostgresNIO wraps what a transaction's body throws; a refused message id is the
  /// caller's answer, not a database failure, so it comes out as itself (after the rollback).
  static func unwrappingConflict<Result>(_ body: () async throws -> Result) async throws
    -> Result
  {
    do {
      return try await body()
    } catch let error as PostgresTransactionError {
      if let conflict = error.closureError as? MessageIdConflict, error.rollbackError == nil {
        throw conflict
      }
      throw error
    }
  }

  public func decisionStates(customerIds: [String], engine: Engine, at now: Date) async throws
    -> [String: CustomerState]
  {
    try await client.withConnection { connection in
      var states: [String: CustomerState] = [:]
      for id in customerIds where states[id] == nil {
        guard var state = try await Self.profile(connection, id, logger: self.logger) else {
          continue
        }
        let since = now.addingTimeInterval(
          -engine.historyNeeded(preference: state.frequencyPreference))
        // Its own address's suppressions recorded under other ids count, as for a message.
        try await Self.fillHistory(
          connection, &state, sendsSince: since,
          recipientKey: state.email.map { self.addressKey.digest(of: $0) }, logger: self.logger)
        states[id] = state
      }
      return states
    }
  }

  /// Decides and reserves inside the caller's transaction, under the customer's lock.
  static func reserve(
    _ connection: PostgresConnection, _ message: Message, engine: Engine, at now: Date,
    addressKey: AddressKey, logger: Logger
  ) async throws -> Reservation {
    try await connection.query(Self.customerLock(message.customerId), logger: logger)
    // Suppressions kept for an erased customer's id come with the history.
    var state =
      try await Self.profile(connection, message.customerId, orKept: false, logger: logger)
      ?? CustomerState(customerId: message.customerId)
    let adopts = state.email == nil
    if adopts { state.email = message.to }
    let since = now.addingTimeInterval(
      -engine.historyNeeded(preference: state.frequencyPreference))
    let recipientKey = addressKey.digest(of: message.to)
    try await Self.fillHistory(
      connection, &state, sendsSince: since, recipientKey: recipientKey, logger: logger)
    state.addressDigests = addressKey.digests(
      known: state.email, recipient: message.to, recipientDigest: recipientKey)
    let decision = engine.evaluate(message, for: state, at: now)
    if adopts && decision.adoptsRecipientAddress {
      try await Self.adoptAddress(connection, message, at: now, logger: logger)
    }
    guard decision.outcome == .forwarded else {
      return Reservation(decision: decision, reserved: false)
    }
    let inserted = try await connection.query(
      """
      INSERT INTO send_ledger (message_id, customer_id, category, campaign_id, reserved_at, status)
      VALUES (\(message.id), \(message.customerId), \(message.category), \(message.campaignId),
        \(now.timeIntervalSince1970), 'reserved')
      ON CONFLICT (message_id) DO NOTHING RETURNING message_id
      """, logger: logger
    ).collect()
    return Reservation(decision: decision, reserved: !inserted.isEmpty)
  }

  public func completeReservation(
    messageId: String, outcome: LedgerStatus, at: Date, detail: String?
  ) async throws {
    let rows = try await client.query(
      """
      UPDATE send_ledger SET status = \(outcome.rawValue), completed_at = \(at.timeIntervalSince1970),
        detail = \(detail)
      WHERE message_id = \(messageId) AND status IN ('reserved', 'unknown') RETURNING message_id
      """, logger: logger
    ).collect()
    if rows.isEmpty { throw StoreError.unknownReservation(messageId) }
  }

  public func recoverUnfinishedReservations(reservedBefore cutoff: Date, at: Date) async throws
    -> [LedgerEntry]
  {
    let detail = "no outcome recorded before the gateway stopped"
    return try await Self.entries(
      client.query(
        """
        UPDATE send_ledger SET status = 'unknown', completed_at = \(at.timeIntervalSince1970),
          detail = \(detail)
        WHERE status = 'reserved' AND reserved_at < \(cutoff.timeIntervalSince1970)
        RETURNING message_id, customer_id, category, campaign_id, reserved_at, status, detail
        """, logger: logger))
  }

  public func preferenceWindows() async throws -> [CapWindow] {
    var windows: [CapWindow] = []
    for try await text in try await client.query(
      "SELECT DISTINCT frequency_window FROM customer WHERE frequency_window IS NOT NULL",
      logger: logger
    ).decode(String.self) {
      windows.append(try StoredValues.window(parsing: text))
    }
    return windows
  }

  public func pruneLedger(reservedBefore cutoff: Date) async throws -> Int {
    try await client.query(
      """
      DELETE FROM send_ledger
      WHERE reserved_at < \(cutoff.timeIntervalSince1970) AND status IN ('sent', 'failed')
      RETURNING message_id
      """, logger: logger
    ).collect().count
  }

  public func ledger(status: LedgerStatus) async throws -> [LedgerEntry] {
    try await Self.entries(
      client.query(
        """
        SELECT message_id, customer_id, category, campaign_id, reserved_at, status, detail
        FROM send_ledger WHERE status = \(status.rawValue) ORDER BY reserved_at, message_id
        """, logger: logger))
  }

  /// Rows of (message_id, customer_id, category, campaign_id, reserved_at, status, detail),
  /// in the order the query gave them.
  static func entries(_ rows: PostgresRowSequence) async throws -> [LedgerEntry] {
    var entries: [LedgerEntry] = []
    for try await (messageId, customerId, category, campaign, reservedAt, stored, detail)
      in rows.decode((String, String, String, String?, Double, String, String?).self)
    {
      guard let status = LedgerStatus(rawValue: stored) else {
        throw StoreError.badStoredValue("ledger status '\(stored)'")
      }
      entries.append(
        LedgerEntry(
          messageId: messageId, customerId: customerId, category: category,
          campaignId: campaign, reservedAt: Date(timeIntervalSince1970: reservedAt),
          status: status, detail: detail))
    }
    return entries.sorted { ($0.reservedAt, $0.messageId) < ($1.reservedAt, $1.messageId) }
  }
}
