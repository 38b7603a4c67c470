import Foundation
import GRDB
import GovernorCore
import GovernorStore

// Decide (cap slot and audit row) + commit latency on SQLite with 10 thousand and with 10
// million rows in the send ledger. Both ledgers hold the same history per customer (100 sends,
// one every 4 days), so the only difference is the table's size: a cap check must read the
// customer's rows inside the policy's longest window through the (customer, time) index, never
// the whole table.
//
// The ledgers are built once under ./data/bench/ (10 million rows take a few minutes and
// about 1.5 GB) and reused by later runs.

let storeBenchPolicy = """
  name: store-bench
  consent:
    purposes: {marketing: {}}
  categories:
    marketing: {consent: [marketing]}
  caps:
    - {id: monthly, max: 1000, per: month}
    - {id: weekly, max: 1000, within: 7d}
  """

let sendsPerCustomer = 100
let sendSpacing = 4.0 * 86_400
// The same customers are measured on both ledgers, so each cap check reads the same number
// of rows (its history plus the benchmark's own sends); only the table's size differs.
let measuredCustomers = 100

func storeBench(filter: String?) async throws {
  let policy = try PolicyLoader.load(Data(storeBenchPolicy.utf8), file: "store-bench.yaml").get()
  let engine = Engine(policy: policy)
  var ledgers: [(name: String, store: SQLiteStore, latencies: [Double])] = []
  for rows in [10_000, 10_000_000] {
    let name = "decide + commit, \(rows.formatted()) ledger rows"
    if let filter, !name.contains(filter) { continue }
    let path = try await benchLedger(rows: rows, policy: policy)
    // Every run starts from the same ledger: earlier runs' sends would crowd the window.
    try await DatabaseQueue(path: path).write { db in
      try db.execute(sql: "DELETE FROM send_ledger WHERE campaign_id = 'bench'")
    }
    ledgers.append((name, try SQLiteStore(path: path), []))
  }
  // Each commit waits for the disk (synchronous=FULL: a reservation is durable before
  // forwarding starts), and this shared VM's disk drifts; rounds alternate between the
  // ledgers so drift falls on both alike. Round 0 warms the page cache and is not kept.
  for round in 0..<6 {
    for index in ledgers.indices {
      let latencies = try await measureDecideAndCommit(
        ledgers[index].store, engine: engine, round: round)
      if round > 0 { ledgers[index].latencies += latencies }
    }
  }
  for ledger in ledgers {
    print(
      "\(ledger.name): median \(micros(ledger.latencies, 0.5)) µs, "
        + "p99 \(micros(ledger.latencies, 0.99)) µs, \(ledger.latencies.count) pairs")
  }
  if ledgers.count == 2 {
    let ratio = median(ledgers[1].latencies) / median(ledgers[0].latencies)
    print("10 million / 10 thousand rows, median: \(String(format: "%.2f", ratio))×")
  }
}

/// Decide + complete for 500 messages to random measured customers; one latency per pair.
func measureDecideAndCommit(_ store: SQLiteStore, engine: Engine, round: Int) async throws
  -> [Double]
{
  let clock = ContinuousClock()
  var latencies: [Double] = []
  let run = UUID().uuidString.prefix(8)
  for index in 0..<500 {
    let customer = "c\(Int.random(in: 0..<measuredCustomers))"
    let message = Message(
      id: "bench-\(run)-\(round)-\(index)", customerId: customer,
      to: "\(customer)@example.com", from: "news@shop.example", subject: "bench",
      category: "marketing", campaignId: "bench")
    let now = Date()
    let elapsed = try await clock.measure {
      let decided = try await store.decide(message, engine: engine, at: now)
      guard decided.reserved else {
        throw StoreError.badStoredValue(
          "bench message was not reserved: \(String(describing: decided.decision))")
      }
      try await store.completeReservation(
        messageId: message.id, outcome: .sent, at: now, detail: nil)
    }
    latencies.append(
      Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
  }
  return latencies
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func micros(_ values: [Double], _ quantile: Double) -> String {
  let sorted = values.sorted()
  let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))]
  return String(format: "%.0f", value)
}

/// A ledger of `rows` sends for `rows / 100` customers, the first 100 of them with a
/// profile and consent so they can be sent to; built once, then reused.
func benchLedger(rows: Int, policy: Policy) async throws -> String {
  let path = "data/bench/ledger-\(rows).sqlite"
  if FileManager.default.fileExists(atPath: path) { return path }
  let building = path + ".building"
  try? FileManager.default.removeItem(atPath: building)
  print("building \(path) (\(rows.formatted()) rows, once)…")
  try await fillLedger(building, rows: rows, policy: policy)
  try FileManager.default.moveItem(atPath: building, toPath: path)
  return path
}

func fillLedger(_ path: String, rows: Int, policy: Policy) async throws {
  let store = try SQLiteStore(path: path)
  let validator = RecordValidator(policy: policy)
  let now = Date()
  let customers = rows / sendsPerCustomer
  for index in 0..<min(customers, measuredCustomers) {
    try await store.saveCustomer(
      validator.profile(
        CustomerProfile(id: "c\(index)", email: "c\(index)@example.com", timeZone: "Europe/Madrid")
      ))
    try await store.recordConsent(
      validator.consent(
        ConsentEvent(
          purpose: "marketing", status: .granted, at: now - 500 * 86_400, source: "bench"),
        now: now),
      customerId: "c\(index)")
  }
  // Generated inside SQLite: binding ten million rows one by one from Swift would take
  // longer than the benchmark itself.
  try await DatabaseQueue(path: path).write { db in
    try db.execute(
      sql: """
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
        INSERT INTO send_ledger
          (message_id, customer_id, category, campaign_id, reserved_at, status, completed_at)
        SELECT 'history-' || i, 'c' || (i % ?), 'marketing', 'history',
          ? - (i / ? + 1) * ?, 'sent', ? - (i / ? + 1) * ?
        FROM n
        """,
      arguments: [
        rows, customers, now.timeIntervalSince1970, customers, sendSpacing,
        now.timeIntervalSince1970, customers, sendSpacing,
      ])
  }
  // Folds the write-ahead log into the file, so the file alone can be moved into place.
  try await DatabaseQueue(path: path).writeWithoutTransaction { db in
    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
  }
  _ = store
}
