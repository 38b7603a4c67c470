/// The text of every shipped migration after the first two (which each backend writes out in
/// full), by version. Frozen: a migration that has run somewhere must never change, so nothing
/// else reads these and a schema change is a new entry (a test holds each one's digest). Plain
/// SQL both backends accept unless named for one.
enum ShippedMigrations {
  /// v3: the newest row recorded apart from the chain, so a log cut off at its end shows.
  static let v3AuditHead = [
    """
    CREATE TABLE audit_head (
      id INTEGER PRIMARY KEY CHECK (id = 1), sequence BIGINT NOT NULL, hash TEXT NOT NULL)
    """,
    """
    INSERT INTO audit_head (id, sequence, hash)
    SELECT 1, sequence, hash FROM decision ORDER BY sequence DESC LIMIT 1
    """,
  ]

  /// v4: a repeated request finds its message's decision without scanning the log.
  static let v4DecisionByMessage = [
    "CREATE INDEX decision_by_message ON decision (message_id)"
  ]

  /// v5: API keys (the SHA-256 of the secret, never the key).
  static let v5APIKeys = [
    """
    CREATE TABLE api_key (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, secret_hash TEXT NOT NULL,
      created_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION)
    """
  ]

  /// v6: the audit log's filter columns, then filled in from the content of earlier rows.
  static let v6DecisionFilters = [
    "ALTER TABLE decision ADD COLUMN campaign_id TEXT",
    "ALTER TABLE decision ADD COLUMN rules TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX decision_by_campaign ON decision (campaign_id, sequence)",
    "CREATE INDEX decision_by_time ON decision (decided_at)",
  ]
  static let v6BackfillSQLite = """
    UPDATE decision SET
      campaign_id = json_extract(content, '$.campaign_id'),
      rules = coalesce((
        SELECT ' ' || group_concat(json_extract(value, '$.rule'), ' ') || ' '
        FROM json_each(content, '$.decision.reasons')), '')
    """
  static let v6BackfillPostgres = """
    UPDATE decision SET
      campaign_id = content::jsonb->>'campaign_id',
      rules = coalesce((
        SELECT ' ' || string_agg(reason->>'rule', ' ') || ' '
        FROM jsonb_array_elements(content::jsonb->'decision'->'reasons') AS reason), '')
    """

  /// v7: feedback events seen (so a replayed webhook changes nothing), the decision that held
  /// each deferred message, customers found by address, and the customer's own preference
  /// changes with their source.
  static let v7CustomerControl = [
    """
    CREATE TABLE feedback_event (
      key TEXT PRIMARY KEY, customer_id TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL)
    """,
    "CREATE INDEX feedback_event_by_customer ON feedback_event (customer_id)",
    "ALTER TABLE deferred_message ADD COLUMN decision_id TEXT",
    "CREATE INDEX customer_by_email ON customer (lower(email))",
    """
    CREATE TABLE preference_event (
      customer_id TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, value TEXT,
      source TEXT NOT NULL)
    """,
    "CREATE INDEX preference_event_by_customer ON preference_event (customer_id, at)",
  ]

  /// v8: what erasure keeps of a customer's suppressions (a keyed digest of their address,
  /// when the suppression was kept) and the key of those digests. The digests of suppressions
  /// recorded before it need the key, which SQL alone cannot apply: each backend fills them in
  /// code.
  static let v8ErasureRecords = [
    "ALTER TABLE suppression ADD COLUMN address_key TEXT",
    "ALTER TABLE suppression ADD COLUMN erased_at DOUBLE PRECISION",
    """
    CREATE INDEX suppression_by_address ON suppression (address_key)
    WHERE address_key IS NOT NULL
    """,
    "CREATE TABLE store_key (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
  ]

  /// v9: where a customer's address came from, and since when.
  static let v9CustomerAddress = [
    "ALTER TABLE customer ADD COLUMN email_source TEXT",
    "ALTER TABLE customer ADD COLUMN email_since DOUBLE PRECISION",
  ]

  /// v10: the address each consent was given for. Consent recorded before holds for the
  /// address its customer has now: the best evidence there is of what it was given for.
  static let v10ConsentAddress = [
    "ALTER TABLE consent_event ADD COLUMN address TEXT",
    """
    UPDATE consent_event SET address = (
      SELECT email FROM customer WHERE customer.id = consent_event.customer_id)
    """,
  ]

  /// v11: what each decided message was, so a reused id is told from a retry.
  static let v11MessageFingerprint = [
    "ALTER TABLE decision ADD COLUMN fingerprint TEXT"
  ]

  /// The mail doors find each recipient's customer by address (SMTP, the ESP APIs, provider
  /// feedback): without this index every look-up read the whole customer table.
  static let v12CustomerByAddress = [
    "CREATE INDEX customer_by_address ON customer (lower(email))"
  ]

  /// v13: what mailbox providers reported about the mail sent — deliveries, hard bounces,
  /// complaints — counted per day of sending, sending domain, campaign and recipient domain
  /// (the rates a reputation brake reads), each provider event counted once; the sending
  /// domain kept on each ledger row, where the events find it by message id.
  static let v13DeliveryCounts = [
    "ALTER TABLE send_ledger ADD COLUMN sending_domain TEXT",
    """
    CREATE TABLE delivery_count (
      day TEXT NOT NULL, sending_domain TEXT NOT NULL, campaign_id TEXT NOT NULL,
      recipient_domain TEXT NOT NULL, delivered BIGINT NOT NULL DEFAULT 0,
      hard_bounced BIGINT NOT NULL DEFAULT 0, complained BIGINT NOT NULL DEFAULT 0,
      PRIMARY KEY (day, sending_domain, campaign_id, recipient_domain))
    """,
    """
    CREATE TABLE delivery_event (
      key TEXT PRIMARY KEY, received_at DOUBLE PRECISION NOT NULL)
    """,
  ]

  /// v14: provider reports naming no message the governor decided — mail that went around
  /// it — kept with the provider, the outcome, a keyed digest of the address and the time,
  /// for `governor compliance bypass`.
  static let v14BypassEvents = [
    """
    CREATE TABLE bypass_event (
      key TEXT PRIMARY KEY, provider TEXT NOT NULL, outcome TEXT NOT NULL,
      address_digest TEXT NOT NULL, reported_at DOUBLE PRECISION NOT NULL)
    """,
    "CREATE INDEX bypass_by_time ON bypass_event (reported_at)",
  ]

  /// v15: the reputation brakes' changes, hash-chained apart from the decisions; the last row
  /// of a series is that brake's recorded state.
  static let v15BrakeLog = [
    """
    CREATE TABLE brake_change (
      sequence BIGINT PRIMARY KEY, series TEXT NOT NULL, state TEXT NOT NULL,
      changed_at DOUBLE PRECISION NOT NULL, content TEXT NOT NULL, previous_hash TEXT NOT NULL,
      hash TEXT NOT NULL)
    """,
    "CREATE INDEX brake_change_by_series ON brake_change (series, sequence)",
    "CREATE INDEX brake_change_by_time ON brake_change (changed_at)",
  ]

  /// v16: when the governor took each opt-out (a suppression, a consent event), beside the
  /// time the record itself names: the compliance report's time until mail was blocked.
  static let v16RecordedAt = [
    "ALTER TABLE suppression ADD COLUMN recorded_at DOUBLE PRECISION",
    "ALTER TABLE consent_event ADD COLUMN recorded_at DOUBLE PRECISION",
  ]

  /// v17: keys that expire, and when each was last used (`governor keys list`).
  static let v17KeyLifecycle = [
    "ALTER TABLE api_key ADD COLUMN expires_at DOUBLE PRECISION",
    "ALTER TABLE api_key ADD COLUMN last_used_at DOUBLE PRECISION",
  ]

  /// Every entry, by migration name, for the test that holds them frozen.
  static let all: [(name: String, sql: [String])] = [
    ("v3-audit-head", v3AuditHead),
    ("v4-decision-by-message", v4DecisionByMessage),
    ("v5-api-keys", v5APIKeys),
    ("v6-decision-filters", v6DecisionFilters + [v6BackfillSQLite, v6BackfillPostgres]),
    ("v7-customer-control", v7CustomerControl),
    ("v8-erasure-records", v8ErasureRecords),
    ("v9-customer-address", v9CustomerAddress),
    ("v10-consent-address", v10ConsentAddress),
    ("v11-message-fingerprint", v11MessageFingerprint),
    ("v12-customer-by-address", v12CustomerByAddress),
    ("v13-delivery-counts", v13DeliveryCounts),
    ("v14-bypass-events", v14BypassEvents),
    ("v15-brake-log", v15BrakeLog),
    ("v16-recorded-at", v16RecordedAt),
    ("v17-key-lifecycle", v17KeyLifecycle),
  ]
}
