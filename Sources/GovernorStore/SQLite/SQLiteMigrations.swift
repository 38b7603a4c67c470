import GRDB

/// The SQLite schema, one named migration per version. Shipped migrations are never edited:
/// a change is a new migration.
enum SQLiteMigrations {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1-initial") { db in
      try db.execute(
        sql: """
          CREATE TABLE customer (
            id TEXT PRIMARY KEY,
            email TEXT,
            time_zone TEXT,
            frequency_max INTEGER,
            frequency_window TEXT
          );
          CREATE TABLE consent_event (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            customer_id TEXT NOT NULL,
            purpose TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')),
            kind TEXT NOT NULL,
            at REAL NOT NULL,
            confirmed_at REAL,
            source TEXT,
            proof TEXT
          );
          CREATE INDEX consent_event_by_customer ON consent_event (customer_id, purpose, at);
          CREATE TABLE suppression (
            id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            scope TEXT NOT NULL,
            at REAL NOT NULL,
            source TEXT,
            lifted_at REAL,
            lifted_by TEXT
          );
          CREATE INDEX suppression_by_customer ON suppression (customer_id, lifted_at);
          CREATE TABLE send_ledger (
            message_id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            category TEXT NOT NULL,
            campaign_id TEXT,
            reserved_at REAL NOT NULL,
            status TEXT NOT NULL
              CHECK (status IN ('reserved', 'sent', 'failed', 'unknown')),
            completed_at REAL,
            detail TEXT
          );
          CREATE INDEX send_ledger_by_customer ON send_ledger (customer_id, reserved_at);
          CREATE INDEX send_ledger_by_status ON send_ledger (status, reserved_at);
          CREATE TABLE decision (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            message_id TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            outcome TEXT NOT NULL,
            policy_version TEXT NOT NULL,
            decided_at REAL NOT NULL,
            content TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
          );
          CREATE INDEX decision_by_customer ON decision (customer_id, decided_at);
          CREATE TABLE policy_version (
            version TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            first_seen_at REAL NOT NULL
          );
          """)
    }
    migrator.registerMigration("v2-deferred-queue") { db in
      try db.execute(
        sql: """
          CREATE TABLE deferred_message (
            message_id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            release_at REAL NOT NULL,
            held_at REAL NOT NULL,
            message TEXT NOT NULL
          );
          CREATE INDEX deferred_message_by_release ON deferred_message (release_at);
          CREATE INDEX deferred_message_by_customer ON deferred_message (customer_id);
          """)
    }
    register(
      [
        ("v3-audit-head", ShippedMigrations.v3AuditHead),
        ("v4-decision-by-message", ShippedMigrations.v4DecisionByMessage),
        ("v5-api-keys", ShippedMigrations.v5APIKeys),
        (
          "v6-decision-filters",
          ShippedMigrations.v6DecisionFilters + [ShippedMigrations.v6BackfillSQLite]
        ),
        ("v7-customer-control", ShippedMigrations.v7CustomerControl),
      ], in: &migrator)
    migrator.registerMigration("v8-erasure-records") { db in
      for statement in ShippedMigrations.v8ErasureRecords { try db.execute(sql: statement) }
      // Suppressions recorded before hold for their customer's address too, from now on.
      guard let key = try SQLiteStore.addressKey(db, creating: true) else { return }
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT suppression.id AS id, customer.email AS email FROM suppression
          JOIN customer ON customer.id = suppression.customer_id
          WHERE customer.email IS NOT NULL
          """)
      for row in rows {
        let email: String = row["email"]
        try db.execute(
          sql: "UPDATE suppression SET address_key = ? WHERE id = ?",
          arguments: [key.digest(of: email), row["id"] as String])
      }
    }
    register(
      [
        ("v9-customer-address", ShippedMigrations.v9CustomerAddress),
        ("v10-consent-address", ShippedMigrations.v10ConsentAddress),
        ("v11-message-fingerprint", ShippedMigrations.v11MessageFingerprint),
        ("v12-customer-by-address", ShippedMigrations.v12CustomerByAddress),
        ("v13-delivery-counts", ShippedMigrations.v13DeliveryCounts),
        ("v14-bypass-events", ShippedMigrations.v14BypassEvents),
        ("v15-brake-log", ShippedMigrations.v15BrakeLog),
        ("v16-recorded-at", ShippedMigrations.v16RecordedAt),
        ("v17-key-lifecycle", ShippedMigrations.v17KeyLifecycle),
      ], in: &migrator)
    return migrator
  }

  /// Migrations that are their statements alone, in order.
  private static func register(
    _ migrations: [(name: String, sql: [String])], in migrator: inout DatabaseMigrator
  ) {
    for (name, statements) in migrations {
      migrator.registerMigration(name) { db in
        for statement in statements { try db.execute(sql: statement) }
      }
    }
  }
}
