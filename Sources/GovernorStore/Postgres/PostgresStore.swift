import Foundation
import GovernorCore
import Logging
import PostgresNIO

/// The store for several gateway processes: PostgreSQL through PostgresNIO.
///
/// A reservation takes a per-customer advisory lock inside its transaction before reading the
/// customer's sends, so two processes can never both take a customer's last slot; appending
/// to the audit chain takes one global advisory lock, so the chain stays a single line.
///
/// The client's connection pool runs for as long as `withStore`'s body does: open it there.
public final class PostgresStore: Store {
  let client: PostgresClient
  let logger = Logger(label: "governor.store.postgres")
  let addressKey: AddressKey

  public var waitsWithoutBound: Bool { true }

  init(client: PostgresClient, addressKey: AddressKey) {
    self.client = client
    self.addressKey = addressKey
  }

  /// Runs `body` with a migrated store on the database at `url`
  /// (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`), then closes its connections.
  public static func withStore<T: Sendable>(
    url: String, _ body: (PostgresStore) async throws -> T
  ) async throws -> T {
    let client = PostgresClient(configuration: try configuration(url))
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await client.run() }
      defer { group.cancelAll() }
      let logger = Logger(label: "governor.store.postgres")
      try await PostgresMigrations.migrate(client, logger: logger)
      let key = try await addressKey(client, logger: logger)
      try await PostgresMigrations.backfillSuppressionAddresses(client, key: key, logger: logger)
      let store = PostgresStore(client: client, addressKey: key)
      return try await body(store)
    }
  }

  static func configuration(_ url: String) throws -> PostgresClient.Configuration {
    guard let parts = URLComponents(string: url), let host = parts.host,
      ["postgres", "postgresql"].contains(parts.scheme ?? "")
    else {
      throw StoreError.badStoredValue("'\(url)' is not a postgres://USER@HOST:PORT/DATABASE URL")
    }
    let database = String(parts.path.drop { $0 == "/" })
    return PostgresClient.Configuration(
      host: host, port: parts.port ?? 5432, username: parts.user ?? "postgres",
      password: parts.password, database: database.isEmpty ? nil : database, tls: .disable)
  }

  /// The store's address key, made by the first process to open the database.
  static func addressKey(_ client: PostgresClient, logger: Logger) async throws -> AddressKey {
    try await client.query(
      """
      INSERT INTO store_key (name, value) VALUES (\(AddressKey.name), \(AddressKey.randomHex()))
      ON CONFLICT (name) DO NOTHING
      """, logger: logger)
    for try await hex in try await client.query(
      "SELECT value FROM store_key WHERE name = \(AddressKey.name)", logger: logger
    ).decode(String.self) {
      if let key = AddressKey(hex: hex) { return key }
    }
    throw StoreError.badStoredValue("the store's address key")
  }

  /// The 64-bit advisory-lock key for one customer's reservations.
  static func customerLock(_ customerId: String) -> PostgresQuery {
    "SELECT pg_advisory_xact_lock(hashtextextended(\(customerId), 0))"
  }

  static let auditLock: PostgresQuery = "SELECT pg_advisory_xact_lock(7302)"

  public func saveCustomer(_ validated: Validated<CustomerProfile>) async throws {
    let profile = validated.record
    let logger = logger
    try await client.withTransaction(logger: logger) { connection in
      try await Self.upsertProfile(
        connection, id: profile.id, email: profile.email, timeZone: profile.timeZone,
        preference: profile.frequencyPreference,
        emailSource: profile.emailSource ?? "customer profile", at: Date(), logger: logger)
    }
  }

  /// An address that changes takes `emailSource` and `at` as its provenance, and goes into
  /// the customer's change log; one that stays keeps its own.
  static func upsertProfile(
    _ connection: PostgresConnection, id: String, email: String?, timeZone: String?,
    preference: FrequencyPreference?, emailSource: String, at: Date, logger: Logger
  ) async throws {
    let previous = try await currentAddress(connection, id, logger: logger)
    try await connection.query(
      upsertProfile(
        id: id, email: email, timeZone: timeZone, preference: preference,
        emailSource: emailSource, at: at), logger: logger)
    if (previous ?? nil) != email {
      try await recordAddressChange(
        connection, id, from: previous ?? nil, to: email, source: emailSource, at: at,
        logger: logger)
    }
  }

  private static func upsertProfile(
    id: String, email: String?, timeZone: String?, preference: FrequencyPreference?,
    emailSource: String, at: Date
  ) -> PostgresQuery {
    let window = preference.map { StoredValues.window($0.window) }
    let max = preference?.max
    let source = email == nil ? nil : emailSource
    let since = email == nil ? nil : at.timeIntervalSince1970
    return """
      INSERT INTO customer
        (id, email, time_zone, frequency_max, frequency_window, email_source, email_since)
      VALUES (\(id), \(email), \(timeZone), \(max), \(window), \(source), \(since))
      ON CONFLICT (id) DO UPDATE SET email = excluded.email, time_zone = excluded.time_zone,
        frequency_max = excluded.frequency_max, frequency_window = excluded.frequency_window,
        email_source = CASE WHEN customer.email IS NOT DISTINCT FROM excluded.email
          THEN customer.email_source ELSE excluded.email_source END,
        email_since = CASE WHEN customer.email IS NOT DISTINCT FROM excluded.email
          THEN customer.email_since ELSE excluded.email_since END
      """
  }

  /// A customer first seen in a message (or known so far without an address) takes the
  /// message's address as its own, recorded with the message as its source.
  static func adoptAddress(
    _ connection: PostgresConnection, _ message: Message, address: String, at now: Date,
    logger: Logger
  ) async throws {
    try await connection.query(
      """
      INSERT INTO customer (id, email, email_source, email_since)
      VALUES (\(message.customerId), \(address), \(StoredValues.firstMessage(message.id)),
        \(now.timeIntervalSince1970))
      ON CONFLICT (id) DO UPDATE SET email = excluded.email,
        email_source = excluded.email_source, email_since = excluded.email_since
      WHERE customer.email IS NULL
      """, logger: logger)
    try await recordAddressChange(
      connection, message.customerId, from: nil, to: address,
      source: StoredValues.firstMessage(message.id), at: now, logger: logger)
  }

  /// Where the customer's address came from, for the export.
  static func addressProvenance(
    _ connection: PostgresConnection, _ customerId: String, logger: Logger
  ) async throws -> (source: String?, since: Date?) {
    for try await (source, since) in try await connection.query(
      "SELECT email_source, email_since FROM customer WHERE id = \(customerId)", logger: logger
    ).decode((String?, Double?).self) {
      return (source, since.map(Date.init(timeIntervalSince1970:)))
    }
    return (nil, nil)
  }

  public func importCustomers(_ customers: [Validated<CustomerState>]) async throws {
    let now = Date()
    try await client.withTransaction(logger: logger) { connection in
      for validated in customers {
        let state = validated.record
        let id = state.customerId
        try await Self.upsertProfile(
          connection, id: id, email: state.email, timeZone: state.timeZone?.identifier,
          preference: state.frequencyPreference, emailSource: StoredValues.importSource,
          at: now, logger: self.logger)
        for event in state.consents {
          try await connection.query(
            Self.insertConsent(event, customerId: id, recordedAt: now), logger: self.logger)
        }
        for suppression in state.suppressions {
          try await Self.insertSuppression(
            connection, suppression, id: StoredValues.newId("sup"), customerId: id,
            addressKey: self.addressKey, recordedAt: now, logger: self.logger)
        }
        for (index, send) in state.sends.enumerated() {
          let messageId = StoredValues.importedSendId(customerId: id, index: index, at: send.at)
          let at = send.at.timeIntervalSince1970
          try await connection.query(
            """
            INSERT INTO send_ledger
              (message_id, customer_id, category, campaign_id, reserved_at, status, completed_at)
            VALUES (\(messageId), \(id), \(send.category), \(send.campaignId), \(at), 'sent', \(at))
            ON CONFLICT (message_id) DO NOTHING
            """, logger: self.logger)
        }
      }
    }
  }

  public func recordConsent(_ validated: Validated<ConsentEvent>, customerId: String)
    async throws
  {
    let event = validated.record
    let logger = logger
    try await client.withTransaction(logger: logger) { connection in
      try await connection.query(
        "INSERT INTO customer (id) VALUES (\(customerId)) ON CONFLICT (id) DO NOTHING",
        logger: logger)
      try await connection.query(
        Self.insertConsent(event, customerId: customerId, recordedAt: validated.checkedAt),
        logger: logger)
    }
  }

  /// An event that names no address was given for the customer's address at the time.
  static func insertConsent(_ event: ConsentEvent, customerId: String, recordedAt: Date?)
    -> PostgresQuery
  {
    """
    INSERT INTO consent_event
      (customer_id, purpose, status, kind, at, confirmed_at, source, proof, address, recorded_at)
    VALUES (\(customerId), \(event.purpose), \(event.status.rawValue), \(event.kind),
      \(event.at.timeIntervalSince1970), \(event.confirmedAt?.timeIntervalSince1970),
      \(event.source), \(event.proof),
      COALESCE(\(event.address), (SELECT email FROM customer WHERE id = \(customerId))),
      \(recordedAt?.timeIntervalSince1970))
    """
  }

  public func addSuppression(_ validated: Validated<Suppression>, customerId: String)
    async throws -> String
  {
    let suppression = validated.record
    let id = StoredValues.newId("sup")
    let logger = logger
    let addressKey = addressKey
    try await client.withConnection { connection in
      try await Self.insertSuppression(
        connection, suppression, id: id, customerId: customerId, addressKey: addressKey,
        recordedAt: validated.checkedAt, logger: logger)
    }
    return id
  }

  /// Records the suppression with the digest of the customer's address as it is now (see
  /// `SQLiteStore.insert`), adding the customer when the store has not met them yet.
  static func insertSuppression(
    _ connection: PostgresConnection, _ suppression: Suppression, id: String, customerId: String,
    addressKey: AddressKey, address: String? = nil, recordedAt: Date?, logger: Logger
  ) async throws {
    var email = address
    if email == nil {
      for try await profileEmail in try await connection.query(
        "SELECT email FROM customer WHERE id = \(customerId)", logger: logger
      ).decode(String?.self) {
        email = profileEmail
      }
    }
    let digest = email.map { addressKey.digest(of: $0) }
    try await connection.query(
      """
      WITH known AS (INSERT INTO customer (id) VALUES (\(customerId)) ON CONFLICT (id) DO NOTHING)
      INSERT INTO suppression
        (id, customer_id, reason, scope, at, source, address_key, recorded_at)
      VALUES (\(id), \(customerId), \(suppression.reason.rawValue),
        \(suppression.scope.description), \(suppression.at.timeIntervalSince1970),
        \(suppression.source), \(digest), \(recordedAt?.timeIntervalSince1970))
      """, logger: logger)
  }

  public func liftSuppression(id: String, at: Date, by source: String) async throws -> Bool {
    // As `StoredValues.liftSQL`: the same suppression recorded for the address under other
    // customer ids is lifted with it.
    let rows = try await client.query(
      """
      UPDATE suppression SET lifted_at = \(at.timeIntervalSince1970), lifted_by = \(source)
      WHERE lifted_at IS NULL AND (id = \(id) OR (address_key, reason, scope) = (
        SELECT address_key, reason, scope FROM suppression WHERE id = \(id) AND lifted_at IS NULL))
      RETURNING id
      """, logger: logger
    ).collect()
    return !rows.isEmpty
  }

  public func customerState(_ customerId: String, sendsSince since: Date) async throws
    -> CustomerState?
  {
    try await client.withConnection { connection in
      try await Self.state(
        connection, customerId, sendsSince: since, addressKey: self.addressKey,
        logger: self.logger)
    }
  }

  /// The customer's profile without history; for an erased customer whose suppressions were
  /// kept (unless `orKept` is false), an empty one.
  static func profile(
    _ connection: PostgresConnection, _ customerId: String, orKept: Bool = true, logger: Logger
  ) async throws -> CustomerState? {
    let rows = try await connection.query(
      """
      SELECT email, time_zone, frequency_max, frequency_window FROM customer
      WHERE id = \(customerId)
      """, logger: logger)
    for try await (email, zone, max, window) in rows.decode(
      (String?, String?, Int?, String?).self)
    {
      return try StoredValues.customer(
        id: customerId, email: email, timeZone: zone, frequencyMax: max, frequencyWindow: window)
    }
    // An erased customer whose suppressions were kept: they still stand for the id.
    guard orKept else { return nil }
    let kept = try await connection.query(
      """
      SELECT 1 FROM suppression WHERE customer_id = \(customerId) AND erased_at IS NOT NULL
      LIMIT 1
      """, logger: logger
    ).collect()
    return kept.isEmpty ? nil : CustomerState(customerId: customerId)
  }

  /// `addressKey`: also the suppressions recorded for the customer's address under other ids.
  static func state(
    _ connection: PostgresConnection, _ customerId: String, sendsSince since: Date,
    addressKey: AddressKey? = nil, logger: Logger
  ) async throws -> CustomerState? {
    guard var state = try await profile(connection, customerId, logger: logger) else {
      return nil
    }
    try await fillHistory(
      connection, &state, sendsSince: since,
      recipientKey: state.email.flatMap { addressKey?.digest(of: $0) }, logger: logger)
    return state
  }

  /// Consent events, active suppressions and the sends that count against caps.
  /// `recipientKey`: the digest of the address a message goes to; suppressions kept for that
  /// address under another customer id count too.
  static func fillHistory(
    _ connection: PostgresConnection, _ state: inout CustomerState, sendsSince since: Date,
    recipientKey: String? = nil, logger: Logger
  ) async throws {
    let id = state.customerId
    var consents: [ConsentEvent] = []
    for try await (purpose, status, kind, at, confirmedAt, source, proof, address)
      in try await connection
      .query(
        """
        SELECT purpose, status, kind, at, confirmed_at, source, proof, address FROM consent_event
        WHERE customer_id = \(id) ORDER BY at, id
        """, logger: logger
      ).decode((String, String, String, Double, Double?, String?, String?, String?).self)
    {
      consents.append(
        try StoredValues.consent(
          purpose: purpose, status: status, kind: kind, at: at, confirmedAt: confirmedAt,
          source: source, proof: proof, address: address))
    }
    var suppressions: [Suppression] = []
    for try await (reason, scope, at, source, owner) in try await connection.query(
      """
      SELECT reason, scope, at, source, customer_id FROM suppression
      WHERE (customer_id = \(id) OR address_key = \(recipientKey)) AND lifted_at IS NULL
      ORDER BY at
      """, logger: logger
    ).decode((String, String, Double, String?, String).self) {
      suppressions.append(
        try StoredValues.suppression(
          reason: reason, scope: scope, at: at, source: source,
          recordedFor: owner == id ? nil : owner))
    }
    var sends: [SendRecord] = []
    for try await (at, category, campaign) in try await connection.query(
      """
      SELECT reserved_at, category, campaign_id FROM send_ledger
      WHERE customer_id = \(id) AND reserved_at >= \(since.timeIntervalSince1970)
        AND status <> 'failed'
      ORDER BY reserved_at
      """, logger: logger
    ).decode((Double, String, String?).self) {
      sends.append(
        SendRecord(at: Date(timeIntervalSince1970: at), category: category, campaignId: campaign))
    }
    state.consents = consents
    state.suppressions = suppressions
    state.sends = SendHistory(sends)
  }
}
