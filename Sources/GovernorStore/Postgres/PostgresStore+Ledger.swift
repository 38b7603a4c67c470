import Foundation
import GovernorCore
import Logging
import PostgresNIO

extension PostgresStore {
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
          try earlier.answers(fingerprint)
          return DecidedMessage(entry: earlier, decision: nil, reserved: false)
        }
        let plan = try await Self.plan(
          connection, message, engine: engine, at: now, addressKey: addressKey, logger: logger)
        // Still first-only: a client reusing a message id for another customer is not ordered
        // by that customer's lock. A conflict found there rolls back the plan with the rest of
        // the transaction.
        return try await Self.carryOut(
          connection, plan, message, decisionId: id, fingerprint: fingerprint,
          onlyFirst: true, at: now, logger: logger)
      }
    }
  }

  /// Reads the customer and decides: the plan `carryOut` executes. The caller holds the
  /// customer's lock.
  static func plan(
    _ connection: PostgresConnection, _ message: Message, engine: Engine, at now: Date,
    addressKey: AddressKey, logger: Logger
  ) async throws -> DecisionPlan {
    // Suppressions kept for an erased customer's id come with the history.
    var state =
      try await Self.profile(connection, message.customerId, orKept: false, logger: logger)
      ?? CustomerState(customerId: message.customerId)
    let knownAddress = state.email != nil
    if !knownAddress { state.email = message.to }
    let since = now.addingTimeInterval(
      -engine.historyNeeded(preference: state.frequencyPreference))
    let recipientKey = addressKey.digest(of: message.to)
    try await Self.fillHistory(
      connection, &state, sendsSince: since, recipientKey: recipientKey, logger: logger)
    state.addressDigests = addressKey.digests(
      known: state.email, recipient: message.to, recipientDigest: recipientKey)
    return DecisionStep.plan(
      message, state: state, knownAddress: knownAddress, engine: engine, at: now)
  }

  /// Carries out a decision's plan inside the caller's transaction: the customer's record, the
  /// cap slot, the audit row and the queue, together or not at all. `onlyFirst`: the audit row
  /// is written only as the id's first (a first decision; a release follows one).
  static func carryOut(
    _ connection: PostgresConnection, _ plan: DecisionPlan, _ message: Message,
    decisionId: String, follows: String? = nil, fingerprint: String, onlyFirst: Bool,
    at now: Date, logger: Logger
  ) async throws -> DecidedMessage {
    switch plan.profile {
    case .unchanged: break
    case .known:
      try await connection.query(
        "INSERT INTO customer (id) VALUES (\(message.customerId)) ON CONFLICT (id) DO NOTHING",
        logger: logger)
    case .address(let address):
      try await Self.adoptAddress(connection, message, address: address, at: now, logger: logger)
    }
    var reserved = false
    // Parsed from the From once: the ledger row and the audit row both keep it.
    let sendingDomain = message.sendingDomain
    if plan.takesSlot {
      // A message id reserved before (a crash between reserve and decision) keeps its slot.
      reserved = try await !connection.query(
        """
        INSERT INTO send_ledger
          (message_id, customer_id, category, campaign_id, reserved_at, status, sending_domain)
        VALUES (\(message.id), \(message.customerId), \(message.category), \(message.campaignId),
          \(now.timeIntervalSince1970), 'reserved', \(sendingDomain))
        ON CONFLICT (message_id) DO NOTHING RETURNING message_id
        """, logger: logger
      ).collect().isEmpty
    }
    let (entry, isNew) = try await Self.append(
      connection, plan.decision, id: decisionId, campaignId: message.campaignId,
      follows: follows, fingerprint: fingerprint, sendingDomain: sendingDomain, at: now,
      onlyFirst: onlyFirst ? fingerprint : nil, logger: logger)
    guard isNew else { return DecidedMessage(entry: entry, decision: nil, reserved: false) }
    if let releaseAt = plan.holdUntil {
      try await Self.hold(
        connection, message, releaseAt: releaseAt, decisionId: decisionId, at: now,
        logger: logger)
    }
    return DecidedMessage(entry: entry, decision: plan.decision, reserved: reserved)
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
