import Foundation
import GRDB
import GovernorCore

/// The embedded store: one SQLite file in WAL mode (GRDB's `DatabasePool`: many readers,
/// one writer), created and migrated on first use.
///
/// Every write is an IMMEDIATE transaction, so it takes SQLite's write lock before reading:
/// a reservation's cap check and its insert cannot interleave with another writer's, in this
/// process or another one sharing the file.
public final class SQLiteStore: Store {
  let pool: DatabasePool
  private let commits: GroupCommit
  /// Nil for a read-only store, which writes nothing.
  private let checkpointer: WALCheckpointer?
  /// Nil only for a read-only store opened before any writable open made the key.
  let addressKey: AddressKey?

  /// `readOnly`: opens an existing store without creating, migrating or writing anything (a
  /// dry-run must leave the file as it was).
  public init(path: String, readOnly: Bool = false) throws {
    var configuration = Configuration()
    if readOnly {
      configuration.readonly = true
      configuration.busyMode = .timeout(10)
      pool = try DatabasePool(path: path, configuration: configuration)
      commits = GroupCommit(pool: pool)
      checkpointer = nil
      // A store last written before the key existed has no table for it yet, and no record
      // that needs it.
      addressKey = try? pool.read { db in try Self.addressKey(db, creating: false) }
      return
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    configuration.busyMode = .timeout(10)
    // Said outright rather than left to how SQLite was compiled: in WAL mode anything less
    // than FULL can lose the last commits on power loss, and a reservation must be durable
    // before forwarding starts.
    configuration.prepareDatabase { db in
      try db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
      // Group commit gives each write its own savepoint, and a savepoint keeps the first
      // image of every page it changes in a statement journal. Past 64 KiB that journal
      // spills to a temporary file, created, written and deleted for every shared
      // transaction: under load, a third of the writer's time. In memory it stays bounded by
      // one transaction's pages.
      try db.cachedStatement(sql: "PRAGMA temp_store = MEMORY").execute()
      try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.writerFallbackPages)")
    }
    pool = try DatabasePool(path: path, configuration: configuration)
    commits = GroupCommit(pool: pool)
    try SQLiteMigrations.migrator.migrate(pool)
    addressKey = try pool.write { db in try Self.addressKey(db, creating: true) }
    checkpointer = try WALCheckpointer(path: path)
  }

  /// The store's address key, made on first use (another process may make it first).
  static func addressKey(_ db: Database, creating: Bool) throws -> AddressKey? {
    if creating {
      try db.execute(
        sql: "INSERT INTO store_key (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        arguments: [AddressKey.name, AddressKey.randomHex()])
    }
    guard
      let hex = try String.fetchOne(
        db, sql: "SELECT value FROM store_key WHERE name = ?", arguments: [AddressKey.name])
    else { return nil }
    guard let key = AddressKey(hex: hex) else {
      throw StoreError.badStoredValue("the store's address key")
    }
    return key
  }

  /// Runs `body` in an IMMEDIATE transaction, which it may share with other writes that
  /// arrived meanwhile (`GroupCommit`); returns once that transaction is durable.
  func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await commits.perform(body)
  }

  /// Consent or a suppression may arrive before the customer's profile; the customer then
  /// exists with no address or zone yet, so the next decision sees what was recorded.
  static func knowCustomer(_ db: Database, _ customerId: String) throws {
    try db.cachedStatement(sql: "INSERT INTO customer (id) VALUES (?) ON CONFLICT (id) DO NOTHING")
      .execute(
        arguments: [customerId])
  }

  public func saveCustomer(_ validated: Validated<CustomerProfile>) async throws {
    let profile = validated.record
    let now = Date()
    try await write { db in
      try Self.upsertProfile(
        db, id: profile.id, email: profile.email, timeZone: profile.timeZone,
        preference: profile.frequencyPreference,
        emailSource: profile.emailSource ?? "customer profile", at: now)
    }
  }

  /// An address that changes takes `emailSource` and `at` as its provenance; one that stays
  /// keeps its own.
  static func upsertProfile(
    _ db: Database, id: String, email: String?, timeZone: String?,
    preference: FrequencyPreference?, emailSource: String, at: Date
  ) throws {
    let previous = try currentAddress(db, id)
    try db.cachedStatement(
      sql: """
        INSERT INTO customer
          (id, email, time_zone, frequency_max, frequency_window, email_source, email_since)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET email = excluded.email, time_zone = excluded.time_zone,
          frequency_max = excluded.frequency_max, frequency_window = excluded.frequency_window,
          email_source = CASE WHEN customer.email IS excluded.email THEN customer.email_source
            ELSE excluded.email_source END,
          email_since = CASE WHEN customer.email IS excluded.email THEN customer.email_since
            ELSE excluded.email_since END
        """
    ).execute(
      arguments: [
        id, email, timeZone, preference?.max, preference.map { StoredValues.window($0.window) },
        email == nil ? nil : emailSource, email == nil ? nil : at.timeIntervalSince1970,
      ])
    if (previous ?? nil) != email {
      try recordAddressChange(db, id, from: previous ?? nil, to: email, source: emailSource, at: at)
    }
  }

  /// A customer first seen in a message (or known so far without an address) takes the
  /// message's address as its own, recorded with the message as its source.
  static func adoptAddress(_ db: Database, _ message: Message, address: String, at now: Date)
    throws
  {
    try db.cachedStatement(
      sql: """
        INSERT INTO customer (id, email, email_source, email_since) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET email = excluded.email,
          email_source = excluded.email_source, email_since = excluded.email_since
        WHERE customer.email IS NULL
        """
    ).execute(
      arguments: [
        message.customerId, address, StoredValues.firstMessage(message.id),
        now.timeIntervalSince1970,
      ])
    try recordAddressChange(
      db, message.customerId, from: nil, to: address,
      source: StoredValues.firstMessage(message.id), at: now)
  }

  /// An event that names no address was given for the customer's address at the time.
  static func insert(
    _ db: Database, _ event: ConsentEvent, customerId: String, recordedAt: Date?
  ) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO consent_event
          (customer_id, purpose, status, kind, at, confirmed_at, source, proof, address,
           recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, (SELECT email FROM customer WHERE id = ?)), ?)
        """
    ).execute(
      arguments: [
        customerId, event.purpose, event.status.rawValue, event.kind,
        event.at.timeIntervalSince1970, event.confirmedAt?.timeIntervalSince1970, event.source,
        event.proof, event.address, customerId, recordedAt?.timeIntervalSince1970,
      ])
  }

  public func importCustomers(_ customers: [Validated<CustomerState>]) async throws {
    let addressKey = addressKey
    let now = Date()
    try await write { db in
      for validated in customers {
        let state = validated.record
        let id = state.customerId
        try Self.upsertProfile(
          db, id: id, email: state.email, timeZone: state.timeZone?.identifier,
          preference: state.frequencyPreference, emailSource: StoredValues.importSource, at: now)
        for event in state.consents {
          try Self.insert(db, event, customerId: id, recordedAt: now)
        }
        for suppression in state.suppressions {
          try Self.insert(
            db, suppression, id: StoredValues.newId("sup"), customerId: id, addressKey: addressKey,
            recordedAt: now)
        }
        for (index, send) in state.sends.enumerated() {
          try db.cachedStatement(
            sql: """
              INSERT INTO send_ledger
                (message_id, customer_id, category, campaign_id, reserved_at, status, completed_at)
              VALUES (?, ?, ?, ?, ?, 'sent', ?)
              ON CONFLICT (message_id) DO NOTHING
              """
          ).execute(
            arguments: [
              StoredValues.importedSendId(customerId: id, index: index, at: send.at), id,
              send.category, send.campaignId, send.at.timeIntervalSince1970,
              send.at.timeIntervalSince1970,
            ])
        }
      }
    }
  }

  public func recordConsent(_ validated: Validated<ConsentEvent>, customerId: String)
    async throws
  {
    let event = validated.record
    try await write { db in
      try Self.knowCustomer(db, customerId)
      try Self.insert(db, event, customerId: customerId, recordedAt: validated.checkedAt)
    }
  }

  public func addSuppression(_ validated: Validated<Suppression>, customerId: String)
    async throws -> String
  {
    let suppression = validated.record
    let id = StoredValues.newId("sup")
    let addressKey = addressKey
    try await write { db in
      try Self.knowCustomer(db, customerId)
      try Self.insert(
        db, suppression, id: id, customerId: customerId, addressKey: addressKey,
        recordedAt: validated.checkedAt)
    }
    return id
  }

  /// Records the suppression with the digest of the customer's address as it is now: it
  /// holds for that address under any customer id (mailbox providers and ESPs suppress
  /// addresses, and duplicate profiles are common), and for the customer under any address.
  /// `address`: the one an event named, instead of the customer's.
  static func insert(
    _ db: Database, _ suppression: Suppression, id: String, customerId: String,
    addressKey: AddressKey?, address: String? = nil, recordedAt: Date?
  ) throws {
    let email =
      try address
      ?? String.fetchOne(
        db.cachedStatement(sql: "SELECT email FROM customer WHERE id = ?"),
        arguments: [customerId])
    try db.cachedStatement(
      sql: """
        INSERT INTO suppression
          (id, customer_id, reason, scope, at, source, address_key, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(
      arguments: [
        id, customerId, suppression.reason.rawValue, suppression.scope.description,
        suppression.at.timeIntervalSince1970, suppression.source,
        email.flatMap { addressKey?.digest(of: $0) }, recordedAt?.timeIntervalSince1970,
      ])
  }

  public func liftSuppression(id: String, at: Date, by source: String) async throws -> Bool {
    try await write { db in
      try db.execute(sql: StoredValues.liftSQL, arguments: [at.timeIntervalSince1970, source, id])
      return db.changesCount > 0
    }
  }

  public func customerState(_ customerId: String, sendsSince since: Date) async throws
    -> CustomerState?
  {
    let addressKey = addressKey
    return try await pool.read { db in
      try Self.state(db, customerId, sendsSince: since, addressKey: addressKey)
    }
  }

  /// `addressKey`: also the suppressions recorded for the customer's address under other ids.
  static func state(
    _ db: Database, _ customerId: String, sendsSince since: Date, addressKey: AddressKey? = nil
  ) throws -> CustomerState? {
    guard var state = try profile(db, customerId) else { return nil }
    try fillHistory(
      db, &state, sendsSince: since,
      recipientKey: state.email.flatMap { addressKey?.digest(of: $0) })
    return state
  }

  /// Active suppressions of the customer, and those kept for the recipient's address: one
  /// statement, as it runs under the write lock for every decision.
  static func suppressions(_ db: Database, _ customerId: String, recipientKey: String?) throws
    -> [Suppression]
  {
    try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT reason, scope, at, source, customer_id FROM suppression
          WHERE (customer_id = ? OR address_key = ?) AND lifted_at IS NULL ORDER BY at
          """),
      arguments: [customerId, recipientKey]
    ).map { row in
      let owner: String = row["customer_id"]
      return try StoredValues.suppression(
        reason: row["reason"], scope: row["scope"], at: row["at"], source: row["source"],
        recordedFor: owner == customerId ? nil : owner)
    }
  }

  /// The customer's profile without history; for an erased customer whose suppressions were
  /// kept, an empty one (those suppressions still stand for the id). Nil for anyone else the
  /// store does not know.
  static func profile(_ db: Database, _ customerId: String) throws -> CustomerState? {
    guard
      let customer = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT * FROM customer WHERE id = ?"), arguments: [customerId])
    else {
      return try hasKeptSuppressions(db, customerId) ? CustomerState(customerId: customerId) : nil
    }
    return try StoredValues.customer(
      id: customerId, email: customer["email"], timeZone: customer["time_zone"],
      frequencyMax: customer["frequency_max"], frequencyWindow: customer["frequency_window"])
  }

  /// Where the customer's address came from, for the export.
  static func addressProvenance(_ db: Database, _ customerId: String) throws
    -> (source: String?, since: Date?)
  {
    guard
      let row = try Row.fetchOne(
        db, sql: "SELECT email_source, email_since FROM customer WHERE id = ?",
        arguments: [customerId])
    else { return (nil, nil) }
    return (
      row["email_source"], (row["email_since"] as Double?).map(Date.init(timeIntervalSince1970:))
    )
  }

  /// Consent events, active suppressions and the sends that count against caps.
  /// `recipientKey`: the digest of the address a message goes to; suppressions kept for that
  /// address under another customer id count too.
  static func fillHistory(
    _ db: Database, _ state: inout CustomerState, sendsSince since: Date,
    recipientKey: String? = nil
  ) throws {
    let id = state.customerId
    state.consents = try Row.fetchAll(
      db.cachedStatement(sql: "SELECT * FROM consent_event WHERE customer_id = ? ORDER BY at, id"),
      arguments: [id]
    ).map { row in
      try StoredValues.consent(
        purpose: row["purpose"], status: row["status"], kind: row["kind"], at: row["at"],
        confirmedAt: row["confirmed_at"], source: row["source"], proof: row["proof"],
        address: row["address"])
    }
    state.suppressions = try suppressions(db, id, recipientKey: recipientKey)
    state.sends = SendHistory(
      try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT reserved_at, category, campaign_id FROM send_ledger
            WHERE customer_id = ? AND reserved_at >= ? AND status <> 'failed'
            ORDER BY reserved_at
            """),
        arguments: [id, since.timeIntervalSince1970]
      ).map { row in
        SendRecord(
          at: Date(timeIntervalSince1970: row["reserved_at"]), category: row["category"],
          campaignId: row["campaign_id"])
      })
  }
}
