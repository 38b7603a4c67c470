import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func decide(_ message: Message, engine: Engine, at now: Date) async throws
    -> DecidedMessage
  {
    let id = StoredValues.newId("dec")
    // Worked out before the write lock: everything inside it delays every other writer.
    let addressKey = addressKey
    let recipientKey = addressKey?.digest(of: message.to)
    let fingerprint = message.fingerprint
    return try await write { db in
      // Writers take turns, so a racing duplicate finds this one's row here.
      if let earlier = try Self.firstDecision(db, messageId: message.id) {
        try earlier.answers(fingerprint)
        return DecidedMessage(entry: earlier, decision: nil, reserved: false)
      }
      let (state, knownAddress) = try Self.stateForDecision(
        db, message, engine: engine, at: now, addressKey: addressKey, recipientKey: recipientKey)
      let plan = DecisionStep.plan(
        message, state: state, knownAddress: knownAddress, engine: engine, at: now)
      return try Self.carryOut(
        db, plan, message, decisionId: id, fingerprint: fingerprint, at: now)
    }
  }

  /// Carries out a decision's plan inside the caller's write transaction: the customer's
  /// record, the cap slot, the audit row and the queue, together or not at all.
  static func carryOut(
    _ db: Database, _ plan: DecisionPlan, _ message: Message, decisionId: String,
    follows: String? = nil, fingerprint: String, at now: Date
  ) throws -> DecidedMessage {
    switch plan.profile {
    case .unchanged: break
    case .known: try knowCustomer(db, message.customerId)
    case .address(let address): try adoptAddress(db, message, address: address, at: now)
    }
    var reserved = false
    // Parsed from the From once: the ledger row and the audit row both keep it.
    let sendingDomain = message.sendingDomain
    if plan.takesSlot {
      // A message id reserved before (a crash between reserve and decision) keeps its slot.
      try db.cachedStatement(
        sql: """
          INSERT INTO send_ledger
            (message_id, customer_id, category, campaign_id, reserved_at, status, sending_domain)
          VALUES (?, ?, ?, ?, ?, 'reserved', ?) ON CONFLICT (message_id) DO NOTHING
          """
      ).execute(
        arguments: [
          message.id, message.customerId, message.category, message.campaignId,
          now.timeIntervalSince1970, sendingDomain,
        ])
      reserved = db.changesCount > 0
    }
    let entry = try append(
      db, plan.decision, id: decisionId, campaignId: message.campaignId, follows: follows,
      fingerprint: fingerprint, sendingDomain: sendingDomain, at: now)
    if let releaseAt = plan.holdUntil {
      try hold(db, message, releaseAt: releaseAt, decisionId: decisionId, at: now)
    }
    return DecidedMessage(entry: entry, decision: plan.decision, reserved: reserved)
  }

  /// The customer's state with exactly the history the engine's caps look at. A customer the
  /// store has never seen has no consent and no sends, which the engine decides on as such.
  /// Suppressions kept for the recipient's address (`recipientKey`) count too, and those kept
  /// for an erased customer's id.
  static func stateForDecision(
    _ db: Database, _ message: Message, engine: Engine, at now: Date, addressKey: AddressKey?,
    recipientKey: String?
  ) throws -> (state: CustomerState, knownAddress: Bool) {
    guard
      let customer = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT * FROM customer WHERE id = ?"),
        arguments: [message.customerId])
    else {
      var state = CustomerState(customerId: message.customerId, email: message.to)
      state.suppressions = try suppressions(
        db, message.customerId, recipientKey: recipientKey)
      if let addressKey, let recipientKey {
        state.addressDigests = addressKey.digests(
          known: message.to, recipient: message.to, recipientDigest: recipientKey)
      }
      return (state, false)
    }
    var state = try StoredValues.customer(
      id: message.customerId, email: customer["email"], timeZone: customer["time_zone"],
      frequencyMax: customer["frequency_max"], frequencyWindow: customer["frequency_window"])
    let knownAddress = state.email != nil
    if !knownAddress { state.email = message.to }
    let since = now.addingTimeInterval(-engine.historyNeeded(preference: state.frequencyPreference))
    try fillHistory(db, &state, sendsSince: since, recipientKey: recipientKey)
    if let addressKey, let recipientKey {
      state.addressDigests = addressKey.digests(
        known: state.email, recipient: message.to, recipientDigest: recipientKey)
    }
    return (state, knownAddress)
  }

  /// The stored customer with the history `engine` needs at `now`; nil for an unknown one.
  static func knownState(
    _ db: Database, _ customerId: String, engine: Engine, at now: Date, addressKey: AddressKey?
  )
    throws -> CustomerState?
  {
    guard var state = try profile(db, customerId) else { return nil }
    let since = now.addingTimeInterval(-engine.historyNeeded(preference: state.frequencyPreference))
    // Its own address's suppressions recorded under other ids count, as they would for a
    // message to that address.
    try fillHistory(
      db, &state, sendsSince: since,
      recipientKey: state.email.flatMap { addressKey?.digest(of: $0) })
    return state
  }

  public func decisionStates(customerIds: [String], engine: Engine, at now: Date) async throws
    -> [String: CustomerState]
  {
    let addressKey = addressKey
    return try await pool.read { db in
      // Past a few thousand customers, reading each table once beats a lookup per customer.
      if customerIds.count >= Self.scanThreshold {
        return try Self.scannedStates(
          db, Set(customerIds), engine: engine, at: now, addressKey: addressKey)
      }
      var states: [String: CustomerState] = [:]
      for id in customerIds where states[id] == nil {
        if let state = try Self.knownState(
          db, id, engine: engine, at: now, addressKey: addressKey)
        {
          states[id] = state
        }
      }
      return states
    }
  }

  static let scanThreshold = 2_000

  /// The same states as `knownState` for each of `wanted`, from one pass over each table.
  static func scannedStates(
    _ db: Database, _ wanted: Set<String>, engine: Engine, at now: Date, addressKey: AddressKey?
  ) throws -> [String: CustomerState] {
    var states: [String: CustomerState] = [:]
    let customers = try Row.fetchCursor(
      db, sql: "SELECT id, email, time_zone, frequency_max, frequency_window FROM customer")
    while let row = try customers.next() {
      let id: String = row["id"]
      guard wanted.contains(id) else { continue }
      states[id] = try StoredValues.customer(
        id: id, email: row["email"], timeZone: row["time_zone"],
        frequencyMax: row["frequency_max"], frequencyWindow: row["frequency_window"])
    }
    // Erased customers whose suppressions were kept: `profile` gives them an empty state.
    for id in try keptSuppressionOwners(db) where wanted.contains(id) && states[id] == nil {
      states[id] = CustomerState(customerId: id)
    }
    let consents = try Row.fetchCursor(
      db, sql: "SELECT * FROM consent_event ORDER BY customer_id, at, id")
    while let row = try consents.next() {
      let id: String = row["customer_id"]
      guard states[id] != nil else { continue }
      states[id]?.consents.append(
        try StoredValues.consent(
          purpose: row["purpose"], status: row["status"], kind: row["kind"], at: row["at"],
          confirmedAt: row["confirmed_at"], source: row["source"], proof: row["proof"],
          address: row["address"]))
    }
    let suppressions = try Row.fetchCursor(
      db, sql: "SELECT * FROM suppression WHERE lifted_at IS NULL ORDER BY at")
    var byAddress: [String: [(owner: String, suppression: Suppression)]] = [:]
    while let row = try suppressions.next() {
      let id: String = row["customer_id"]
      let suppression = try StoredValues.suppression(
        reason: row["reason"], scope: row["scope"], at: row["at"], source: row["source"])
      if let key: String = row["address_key"] {
        byAddress[key, default: []].append((id, suppression))
      }
      guard states[id] != nil else { continue }
      states[id]?.suppressions.append(suppression)
    }
    // Suppressions recorded for a customer's address under other ids, as `knownState` adds.
    if let addressKey, !byAddress.isEmpty {
      for (id, state) in states {
        guard let email = state.email,
          let others = byAddress[addressKey.digest(of: email)]?.filter({ $0.owner != id }),
          !others.isEmpty
        else { continue }
        var merged = state.suppressions
        for other in others {
          var suppression = other.suppression
          suppression.recordedFor = other.owner
          merged.append(suppression)
        }
        states[id]?.suppressions = merged.sorted { $0.at < $1.at }
      }
    }
    // Each customer's own horizon, as `knownState` reads it; the scan starts at the earliest.
    var since: [String: Double] = [:]
    for (id, state) in states {
      since[id] =
        now.addingTimeInterval(-engine.historyNeeded(preference: state.frequencyPreference))
        .timeIntervalSince1970
    }
    let earliest = since.values.min() ?? now.timeIntervalSince1970
    var sends: [String: [SendRecord]] = [:]
    let ledger = try Row.fetchCursor(
      db,
      sql: """
        SELECT customer_id, reserved_at, category, campaign_id FROM send_ledger
        WHERE reserved_at >= ? AND status <> 'failed' ORDER BY reserved_at
        """, arguments: [earliest])
    while let row = try ledger.next() {
      let id: String = row["customer_id"]
      guard let horizon = since[id] else { continue }
      let at: Double = row["reserved_at"]
      guard at >= horizon else { continue }
      sends[id, default: []].append(
        SendRecord(
          at: Date(timeIntervalSince1970: at), category: row["category"],
          campaignId: row["campaign_id"]))
    }
    for (id, records) in sends { states[id]?.sends = SendHistory(records) }
    return states
  }

  public func completeReservation(
    messageId: String, outcome: LedgerStatus, at: Date, detail: String?
  ) async throws {
    try await write { db in
      try db.cachedStatement(
        sql: """
          UPDATE send_ledger SET status = ?, completed_at = ?, detail = ?
          WHERE message_id = ? AND status IN ('reserved', 'unknown')
          """
      ).execute(
        arguments: [outcome.rawValue, at.timeIntervalSince1970, detail, messageId])
      if db.changesCount == 0 { throw StoreError.unknownReservation(messageId) }
    }
  }

  public func recoverUnfinishedReservations(reservedBefore cutoff: Date, at: Date) async throws
    -> [LedgerEntry]
  {
    try await write { db in
      let stranded = try Self.entries(db, status: .reserved).filter { $0.reservedAt < cutoff }
      try db.cachedStatement(
        sql: """
          UPDATE send_ledger SET status = 'unknown', completed_at = ?,
            detail = 'no outcome recorded before the gateway stopped'
          WHERE status = 'reserved' AND reserved_at < ?
          """
      ).execute(
        arguments: [at.timeIntervalSince1970, cutoff.timeIntervalSince1970])
      return stranded.map { entry in
        var unknown = entry
        unknown.status = .unknown
        unknown.detail = "no outcome recorded before the gateway stopped"
        return unknown
      }
    }
  }

  public func preferenceWindows() async throws -> [CapWindow] {
    try await pool.read { db in
      try String.fetchAll(
        db.cachedStatement(
          sql: "SELECT DISTINCT frequency_window FROM customer WHERE frequency_window IS NOT NULL")
      ).map(StoredValues.window(parsing:))
    }
  }

  public func pruneLedger(reservedBefore cutoff: Date) async throws -> Int {
    try await write { db in
      try db.cachedStatement(
        sql: "DELETE FROM send_ledger WHERE reserved_at < ? AND status IN ('sent', 'failed')"
      ).execute(
        arguments: [cutoff.timeIntervalSince1970])
      return db.changesCount
    }
  }

  public func ledger(status: LedgerStatus) async throws -> [LedgerEntry] {
    try await pool.read { db in try Self.entries(db, status: status) }
  }

  static func entries(_ db: Database, status: LedgerStatus) throws -> [LedgerEntry] {
    try entries(
      db, where: "status = ?", arguments: [status.rawValue])
  }

  static func entries(_ db: Database, customerId: String) throws -> [LedgerEntry] {
    try entries(db, where: "customer_id = ?", arguments: [customerId])
  }

  private static func entries(
    _ db: Database, where condition: String, arguments: StatementArguments
  )
    throws -> [LedgerEntry]
  {
    try Row.fetchAll(
      db, sql: "SELECT * FROM send_ledger WHERE \(condition) ORDER BY reserved_at, message_id",
      arguments: arguments
    ).map { row in
      let stored: String = row["status"]
      guard let status = LedgerStatus(rawValue: stored) else {
        throw StoreError.badStoredValue("ledger status '\(stored)'")
      }
      return LedgerEntry(
        messageId: row["message_id"], customerId: row["customer_id"], category: row["category"],
        campaignId: row["campaign_id"],
        reservedAt: Date(timeIntervalSince1970: row["reserved_at"]), status: status,
        detail: row["detail"])
    }
  }
}
