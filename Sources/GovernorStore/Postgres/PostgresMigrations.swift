import Logging
import PostgresNIO

/// The PostgreSQL schema, one named migration per version, applied under an advisory lock so
/// several gateway processes starting together migrate once. Shipped migrations are never
/// edited: a change is a new migration.
enum PostgresMigrations {
  static let all: [(name: String, sql: [PostgresQuery])] = [
    (
      "v1-initial",
      [
        """
        CREATE TABLE customer (
          id TEXT PRIMARY KEY, email TEXT, time_zone TEXT, frequency_max BIGINT,
          frequency_window TEXT)
        """,
        """
        CREATE TABLE consent_event (
          id BIGSERIAL PRIMARY KEY, customer_id TEXT NOT NULL, purpose TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')), kind TEXT NOT NULL,
          at DOUBLE PRECISION NOT NULL, confirmed_at DOUBLE PRECISION, source TEXT, proof TEXT)
        """,
        "CREATE INDEX consent_event_by_customer ON consent_event (customer_id, purpose, at)",
        """
        CREATE TABLE suppression (
          id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, reason TEXT NOT NULL,
          scope TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, source TEXT,
          lifted_at DOUBLE PRECISION, lifted_by TEXT)
        """,
        "CREATE INDEX suppression_by_customer ON suppression (customer_id, lifted_at)",
        """
        CREATE TABLE send_ledger (
          message_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, category TEXT NOT NULL,
          campaign_id TEXT, reserved_at DOUBLE PRECISION NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('reserved', 'sent', 'failed', 'unknown')),
          completed_at DOUBLE PRECISION, detail TEXT)
        """,
        "CREATE INDEX send_ledger_by_customer ON send_ledger (customer_id, reserved_at)",
        "CREATE INDEX send_ledger_by_status ON send_ledger (status, reserved_at)",
        """
        CREATE TABLE decision (
          sequence BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, message_id TEXT NOT NULL,
          customer_id TEXT NOT NULL, outcome TEXT NOT NULL, policy_version TEXT NOT NULL,
          decided_at DOUBLE PRECISION NOT NULL, content TEXT NOT NULL,
          previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
        """,
        "CREATE INDEX decision_by_customer ON decision (customer_id, decided_at)",
        """
        CREATE TABLE policy_version (
          version TEXT PRIMARY KEY, name TEXT NOT NULL, text TEXT NOT NULL,
          first_seen_at DOUBLE PRECISION NOT NULL)
        """,
      ]
    ),
    (
      "v2-deferred-queue",
      [
        """
        CREATE TABLE deferred_message (
          message_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
          release_at DOUBLE PRECISION NOT NULL, held_at DOUBLE PRECISION NOT NULL,
          message TEXT NOT NULL)
        """,
        "CREATE INDEX deferred_message_by_release ON deferred_message (release_at)",
        "CREATE INDEX deferred_message_by_customer ON deferred_message (customer_id)",
      ]
    ),
    ("v3-audit-head", ShippedMigrations.v3AuditHead.map { PostgresQuery(unsafeSQL: $0) }),
    (
      "v4-decision-by-message",
      ShippedMigrations.v4DecisionByMessage.map { PostgresQuery(unsafeSQL: $0) }
    ),
    ("v5-api-keys", ShippedMigrations.v5APIKeys.map { PostgresQuery(unsafeSQL: $0) }),
    (
      "v6-decision-filters",
      (ShippedMigrations.v6DecisionFilters + [ShippedMigrations.v6BackfillPostgres]).map {
        PostgresQuery(unsafeSQL: $0)
      }
    ),
    (
      "v7-customer-control",
      ShippedMigrations.v7CustomerControl.map { PostgresQuery(unsafeSQL: $0) }
    ),
    (
      "v8-erasure-records",
      ShippedMigrations.v8ErasureRecords.map { PostgresQuery(unsafeSQL: $0) }
    ),
    (
      "v9-customer-address",
      ShippedMigrations.v9CustomerAddress.map { PostgresQuery(unsafeSQL: $0) }
    ),
    (
      "v10-consent-address",
      ShippedMigrations.v10ConsentAddress.map { PostgresQuery(unsafeSQL: $0) }
    ),
    (
      "v11-message-fingerprint",
      ShippedMigrations.v11MessageFingerprint.map { PostgresQuery(unsafeSQL: $0) }
    ),
    (
      "v12-customer-by-address",
      ShippedMigrations.v12CustomerByAddress.map { PostgresQuery(unsafeSQL: $0) }
    ),
    (
      "v13-delivery-counts",
      ShippedMigrations.v13DeliveryCounts.map { PostgresQuery(unsafeSQL: $0) }
    ),
    (
      "v14-bypass-events",
      ShippedMigrations.v14BypassEvents.map { PostgresQuery(unsafeSQL: $0) }
    ),
    ("v15-brake-log", ShippedMigrations.v15BrakeLog.map { PostgresQuery(unsafeSQL: $0) }),
    ("v16-recorded-at", ShippedMigrations.v16RecordedAt.map { PostgresQuery(unsafeSQL: $0) }),
    (
      "v17-key-lifecycle",
      ShippedMigrations.v17KeyLifecycle.map { PostgresQuery(unsafeSQL: $0) }
    ),
  ]

  /// Suppressions recorded before migration v8 hold for their customer's address too: their
  /// address digests need the store's key, which SQL alone cannot apply. Once, under the
  /// migration lock, recorded like a migration.
  static let suppressionAddresses = "v8-suppression-addresses"

  static func backfillSuppressionAddresses(
    _ client: PostgresClient, key: AddressKey, logger: Logger
  ) async throws {
    try await client.withTransaction(logger: logger) { connection in
      try await connection.query("SELECT pg_advisory_xact_lock(7301)", logger: logger)
      let done = try await connection.query(
        "SELECT 1 FROM schema_migration WHERE name = \(suppressionAddresses)", logger: logger
      ).collect()
      guard done.isEmpty else { return }
      var rows: [(String, String)] = []
      for try await row in try await connection.query(
        """
        SELECT suppression.id, customer.email FROM suppression
        JOIN customer ON customer.id = suppression.customer_id
        WHERE customer.email IS NOT NULL AND suppression.address_key IS NULL
        """, logger: logger
      ).decode((String, String).self) {
        rows.append(row)
      }
      for (id, email) in rows {
        try await connection.query(
          "UPDATE suppression SET address_key = \(key.digest(of: email)) WHERE id = \(id)",
          logger: logger)
      }
      try await connection.query(
        "INSERT INTO schema_migration (name) VALUES (\(suppressionAddresses))", logger: logger)
    }
  }

  static func migrate(_ client: PostgresClient, logger: Logger) async throws {
    try await client.withTransaction(logger: logger) { connection in
      try await connection.query("SELECT pg_advisory_xact_lock(7301)", logger: logger)
      try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS schema_migration (
          name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
        """, logger: logger)
      var applied: Set<String> = []
      for try await name in try await connection.query(
        "SELECT name FROM schema_migration", logger: logger
      ).decode(String.self) {
        applied.insert(name)
      }
      for migration in all where !applied.contains(migration.name) {
        for statement in migration.sql { try await connection.query(statement, logger: logger) }
        try await connection.query(
          "INSERT INTO schema_migration (name) VALUES (\(migration.name))", logger: logger)
      }
    }
  }
}
