import Foundation
import GovernorCore
import GovernorStore
import TestDatabases
import Testing

/// The backends the contract suite runs against; each test gets a fresh, empty store.
/// PostgreSQL joins when `GOVERNOR_TEST_POSTGRES_URL` names a server (`make test` starts a
/// throwaway one through `.ci/with-postgres`).
enum StoreBackend: String, CustomTestStringConvertible, Sendable {
  case sqlite
  case postgres

  var testDescription: String { rawValue }

  static let postgresURL = TestPostgres.serverURL
  static var available: [StoreBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

  func withStore(_ body: (any Store) async throws -> Void) async throws {
    try await withStoreAndDatabase { store, _ in try await body(store) }
  }

  /// The store and, beside it, raw SQL access to its database: what an attacker with database
  /// access could do, for the tamper tests.
  func withStoreAndDatabase(_ body: (any Store, RawDatabase) async throws -> Void) async throws {
    switch self {
    case .sqlite:
      let path = Self.temporaryPath()
      try await body(SQLiteStore(path: path), .sqlite(path: path))
    case .postgres:
      let url = try Self.freshDatabase()
      try await PostgresStore.withStore(url: url) { store in
        try await body(store, .postgres(url: url))
      }
    }
  }

  static func temporaryPath() -> String {
    FileManager.default.temporaryDirectory
      .appendingPathComponent("governor-tests-\(UUID().uuidString)")
      .appendingPathComponent("governor.sqlite").path
  }

  static func freshDatabase() throws -> String {
    try TestPostgres.freshDatabase()
  }
}

func time(_ text: String) -> Date {
  guard let date = try? Date(text, strategy: .iso8601) else {
    preconditionFailure("bad test time \(text)")
  }
  return date
}

/// A policy with one cap of three marketing sends a week and nothing else that could hold a
/// message, so tests see the cap alone.
func weeklyCapPolicy(max: Int = 3) throws -> Policy {
  let yaml = """
    name: store-test
    consent:
      purposes: {marketing: {}}
      kinds: {express: never, implied_purchase: 2y}
    categories:
      transactional: {consent: [], caps: false, quiet_hours: false}
      marketing: {consent: [marketing]}
      newsletter: {consent: [marketing]}
    caps:
      - {id: weekly, max: \(max), within: 7d}
    """
  return try PolicyLoader.load(Data(yaml.utf8), file: "store-test.yaml").get()
}

func marketingMessage(_ id: String, customer: String = "c1") -> Message {
  Message(
    id: id, customerId: customer, to: "\(customer)@example.com", from: "news@shop.example",
    subject: "Hello", text: "Hi", category: "marketing", campaignId: "camp")
}

/// A message of `category` for `customer` to the address `to`, for the tests of what holds for
/// which address.
func addressedMessage(
  _ id: String, customer: String = "c1", to: String, category: String = "marketing"
) -> Message {
  Message(
    id: id, customerId: customer, to: to, from: "news@shop.example", subject: "Hello",
    text: "Hi", category: category)
}

/// Marketing needs no consent here (as under CAN-SPAM), so only a suppression can stop it.
func optOutPolicy() throws -> Policy {
  let yaml = """
    name: opt-out
    consent:
      purposes: {newsletter: {}}
      kinds: {express: never}
    categories:
      transactional: {consent: [], caps: false, quiet_hours: false}
      marketing: {consent: []}
    """
  return try PolicyLoader.load(Data(yaml.utf8), file: "opt-out.yaml").get()
}

/// A customer with express consent for marketing since 2025.
func consentingCustomer(_ store: any Store, id: String = "c1", zone: String? = "Europe/Madrid")
  async throws
{
  try await store.saveCustomer(CustomerProfile(id: id, email: "\(id)@example.com", timeZone: zone))
  try await store.recordConsent(
    ConsentEvent(
      purpose: "marketing", status: .granted, kind: "express", at: time("2025-01-01T00:00:00Z"),
      source: "signup-form", proof: "checkbox on /signup"),
    customerId: id)
}

/// A backend that cannot run is never silently left out: in CI it fails the run, elsewhere it
/// is announced on the console.
@Suite("Store backends")
struct StoreBackendTests {
  @Test("every backend runs in CI; a skipped one is announced")
  func everyBackendRuns() {
    let missing = Set([StoreBackend.sqlite, .postgres]).subtracting(StoreBackend.available)
    guard !missing.isEmpty else { return }
    let message =
      "store backends NOT tested: \(missing.map(\.rawValue).sorted()) — "
      + "GOVERNOR_TEST_POSTGRES_URL is unset; run the tests through `make test`"
    if ProcessInfo.processInfo.environment["CI"] == "true" {
      Issue.record(Comment(rawValue: message))
    } else {
      print("\n\u{1B}[1;33mWARNING: \(message)\u{1B}[0m\n")
    }
  }
}

@Suite("PostgreSQL migrations")
struct PostgresMigrationTests {
  @Test(
    "a new database gets every migration, in order, and reopening applies none twice",
    .enabled(if: StoreBackend.available.contains(.postgres)))
  func migrationsApplied() async throws {
    let url = try StoreBackend.freshDatabase()
    try await PostgresStore.withStore(url: url) { _ in }
    try await PostgresStore.withStore(url: url) { _ in }
    let applied = try await RawDatabase.postgres(url: url).text(
      "SELECT string_agg(name, ',' ORDER BY applied_at, name) FROM schema_migration")
    #expect(
      applied
        == "v1-initial,v10-consent-address,v11-message-fingerprint,v12-customer-by-address,"
        + "v13-delivery-counts,v14-bypass-events,v15-brake-log,v16-recorded-at,v17-key-lifecycle,"
        + "v2-deferred-queue,v3-audit-head,"
        + "v4-decision-by-message,v5-api-keys,v6-decision-filters,v7-customer-control,"
        + "v8-erasure-records,v9-customer-address,v8-suppression-addresses")
  }
}

/// Tests write records through the validator, as the gateway does, checked at their own time.
extension Store {
  func saveCustomer(_ profile: CustomerProfile) async throws {
    try await saveCustomer(RecordValidator(policy: weeklyCapPolicy()).profile(profile))
  }

  func recordConsent(_ event: ConsentEvent, customerId: String) async throws {
    try await recordConsent(
      RecordValidator(policy: weeklyCapPolicy()).consent(event, now: event.at),
      customerId: customerId)
  }

  func addSuppression(_ suppression: Suppression, customerId: String) async throws -> String {
    try await addSuppression(
      RecordValidator(policy: weeklyCapPolicy()).suppression(suppression, now: suppression.at),
      customerId: customerId)
  }
}
