import Foundation
import GRDB
import TestPeers
import Testing

/// How long the reliability runs last. `make test` runs them short; `make reliability` sets
/// GOVERNOR_RELIABILITY=full for the figures the gateway is held to (60 s of 64 connections
/// over 10,000 customers).
enum ReliabilityScale {
  static let full = ProcessInfo.processInfo.environment["GOVERNOR_RELIABILITY"] == "full"
  static let seconds: Double = full ? 60 : 4
  static let customers = full ? 10_000 : 1_000
  static let connections = 64
}

@Suite("Reliability: the real binary under load, faults and a SIGKILL", .serialized)
struct ReliabilityTests {
  let served = ServedGovernor()

  @Test("64 connections: no 5xx, no cap exceeded, the audit log intact, memory flat")
  func load() async throws {
    let setup = try await ReliabilitySetup.make(customers: ReliabilityScale.customers)
    let sink = try FaultSink { _, _ in .answer(status: 200) }
    defer { sink.stop() }
    let server = try await GovernorProcess.start(setup.serveArguments(sink: sink))
    let load = LoadRun(base: server.base, key: setup.key, customers: setup.customers)
    let started = ContinuousClock.now
    let deadline = started + .seconds(ReliabilityScale.seconds)
    let memory = MemorySamples()
    async let sampling: Void = memory.sample(server, until: deadline)
    await load.run(connections: ReliabilityScale.connections, until: deadline)
    await sampling
    try await server.stop()

    let tally = load.result
    print(
      "reliability load: \(tally.answered) answered in \(ReliabilityScale.seconds) s, "
        + "statuses \(tally.statuses), resident KiB \(memory.summary)")
    #expect(tally.serverErrors == 0, "\(tally.statuses)")
    #expect(tally.unanswered == 0)
    #expect(tally.answered > ReliabilityScale.connections)
    try await setup.expectHeld(tally, sink: sink)
    #expect(memory.isFlat, "resident memory grew: \(memory.summary)")
    #expect(!server.log.contains(setup.key))
  }

  @Test("faults at the mail sender and a SIGKILL mid-load lose nothing and send nothing twice")
  func faults() async throws {
    let setup = try await ReliabilitySetup.make(customers: ReliabilityScale.customers)
    // Every kind of misbehaviour, interleaved: explicit refusals the gateway may retry, and
    // silences, resets and late answers after which it must not.
    let sink = try FaultSink { number, _ in
      switch number % 40 {
      case 3, 13, 23: .answer(status: 500)
      case 7, 27: .answer(status: 429, headers: ["Retry-After": "1"])
      case 11: .silent
      case 19: .reset
      case 31: .late(seconds: 2)
      default: .answer(status: 202)
      }
    }
    defer { sink.stop() }
    let arguments = setup.serveArguments(sink: sink) + ["--sender-timeout", "1"]
    let first = try await GovernorProcess.start(arguments)
    let load = LoadRun(base: first.base, key: setup.key, customers: setup.customers)
    let deadline = ContinuousClock.now + .seconds(max(6, ReliabilityScale.seconds / 2))
    async let running: Void = load.run(
      connections: ReliabilityScale.connections, until: deadline)
    try await Task.sleep(for: .seconds(max(6, ReliabilityScale.seconds / 2) / 2))
    try await first.stop(SIGKILL)
    let second = try await GovernorProcess.start(arguments)
    load.moveTo(second.base)
    await running
    try await second.stop()

    let tally = load.result
    let behaviours = Dictionary(grouping: sink.received, by: \.behaviour).mapValues(\.count)
    print(
      "reliability faults: \(tally.answered) answered, \(tally.unanswered) unanswered "
        + "(the SIGKILL), statuses \(tally.statuses), sink \(behaviours)")
    #expect(tally.serverErrors == 0, "\(tally.statuses)")
    #expect(tally.unanswered < ReliabilityScale.connections * 50)
    try await setup.expectHeld(tally, sink: sink)
    // What the sink may have taken without saying so is listed for review, never retried.
    let silentlyTaken = Set(
      sink.received.filter { [.silent, .reset, .late(seconds: 2)].contains($0.behaviour) }
        .compactMap(\.key))
    #expect(!silentlyTaken.isEmpty)
    let store = setup.store
    let review = try await GovernorBinary.run(
      "ledger", "review", "--older-than", "1s", "--json", "--store", store)
    #expect(review.status == 3)
    let listed = Set(
      review.stdoutLines.compactMap {
        (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["message_id"]
          as? String
      })
    #expect(silentlyTaken.isSubset(of: listed), "\(silentlyTaken.subtracting(listed))")
    let open = try setup.ledgerRows().filter { $0.status == "reserved" || $0.status == "unknown" }
    #expect(Set(open.map(\.messageId)).isSubset(of: listed))
  }
}

/// A store with the customers imported, a send key, and the checks every run ends with.
struct ReliabilitySetup: Sendable {
  let folder: URL
  let store: String
  let key: String
  let customers: Int

  /// Importing runs the binary, which `GovernorBinary.run` waits for off the pool.
  /// `folder` nil: a new one under the temporary directory; `store` nil: a SQLite store in it.
  static func make(customers: Int, in folder: URL? = nil, store: String? = nil) async throws
    -> ReliabilitySetup
  {
    try await ReliabilitySetup(customers: customers, folder: folder, store: store)
  }

  private init(customers: Int, folder: URL?, store: String?) async throws {
    self.folder =
      folder
      ?? FileManager.default.temporaryDirectory
      .appendingPathComponent("reliability-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
    self.store = store ?? self.folder.appendingPathComponent("governor.sqlite").path
    self.customers = customers
    let file = self.folder.appendingPathComponent("customers.yaml")
    try Self.customersYAML(customers).write(to: file, atomically: true, encoding: .utf8)
    let imported = try await GovernorBinary.run(
      "customer", "import", file.path, "--store", self.store)
    guard imported.status == 0 else { throw SetupFailure(output: imported.stderr) }
    // Not `ServedGovernor.createKey`: a setup failure is thrown, not recorded as an issue.
    let created = try await GovernorBinary.run(
      "keys", "create", "--name", "reliability", "--scope", "send", "--store", self.store)
    guard let key = created.stdoutLines.first(where: { $0.hasPrefix("mg_") }) else {
      throw SetupFailure(output: created.stderr)
    }
    self.key = key
  }

  struct SetupFailure: Error {
    var output: String
  }

  func serveArguments(sink: FaultSink) -> [String] {
    ["--store", store, "--policy", "policies/default.yaml", "--sender", "webhook:\(sink.url)/mail"]
  }

  /// Customers with marketing consent, all in a zone where it is now around midday: no quiet
  /// hours, and the run cannot cross the local midnight that resets the daily cap.
  static func customersYAML(_ count: Int) -> String {
    let zone = MiddayZone.now
    return (0..<count).map { index in
      """
      - id: "c\(index)"
        email: c\(index)@example.com
        time_zone: \(zone)
        consents:
          - {purpose: marketing, status: granted, kind: express, at: 2025-01-01T00:00:00Z,
             source: signup-form, proof: "reliability test"}
      """
    }.joined(separator: "\n")
  }

  struct LedgerRow {
    var messageId: String
    var customerId: String
    var category: String
    var status: String
  }

  /// The store as the server left it, opened read-only.
  func readStore<T>(_ read: (Database) throws -> T) throws -> T {
    var configuration = Configuration()
    configuration.readonly = true
    return try DatabaseQueue(path: store, configuration: configuration).read(read)
  }

  func ledgerRows() throws -> [LedgerRow] {
    try readStore { db in
      try Row.fetchAll(db, sql: "SELECT message_id, customer_id, category, status FROM send_ledger")
        .map {
          LedgerRow(
            messageId: $0["message_id"], customerId: $0["customer_id"], category: $0["category"],
            status: $0["status"])
        }
    }
  }

  func decisionIds() throws -> Set<String> {
    try readStore { db in
      Set(try String.fetchAll(db, sql: "SELECT id FROM decision"))
    }
  }

  /// What every run must leave: each answered decision in the audit log, the chain intact,
  /// no message taken twice by the sink, and no customer over the daily cap (one marketing
  /// send per calendar day in policies/default.yaml) — counted both in the ledger and at the
  /// sink.
  func expectHeld(_ tally: LoadRun.Tally, sink: FaultSink) async throws {
    let logged = try decisionIds()
    let missing = tally.decisionIds.filter { !logged.contains($0) }
    #expect(missing.isEmpty, "answered but not in the audit log: \(missing.prefix(5))")
    let store = store
    let verify = try await GovernorBinary.run("audit", "verify", "--store", store)
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

    let taken = sink.received.filter(\.behaviour.mayHaveAccepted).compactMap(\.key)
    let takenTwice = Dictionary(grouping: taken, by: { $0 }).filter { $0.value.count > 1 }
    #expect(takenTwice.isEmpty, "reached the sink twice: \(takenTwice.keys.prefix(5))")

    let counted = try ledgerRows().filter { $0.status != "failed" && $0.category == "marketing" }
    let overCap = Dictionary(grouping: counted, by: \.customerId).filter { $0.value.count > 1 }
    #expect(overCap.isEmpty, "over the daily cap in the ledger: \(overCap.keys.prefix(5))")
    let atSink = taken.compactMap { tally.messages[$0] }.filter { $0.category == "marketing" }
    let overAtSink = Dictionary(grouping: atSink, by: \.customer).filter { $0.value.count > 1 }
    #expect(overAtSink.isEmpty, "over the daily cap at the sink: \(overAtSink.keys.prefix(5))")
    #expect(!counted.isEmpty)
  }
}

/// Resident memory sampled through a run: "flat" means the last quarter of the run holds no
/// more than the second quarter (after warm-up) plus a margin for caches settling.
final class MemorySamples: @unchecked Sendable {
  // Written by one sampling task, read after it ends.
  private var samples: [Int] = []

  func sample(_ server: GovernorProcess, until deadline: ContinuousClock.Instant) async {
    while ContinuousClock.now < deadline {
      samples.append(server.residentKiB)
      try? await Task.sleep(for: .milliseconds(250))
    }
  }

  private func quarter(_ index: Int) -> [Int] {
    let size = max(1, samples.count / 4)
    return Array(samples.dropFirst(size * index).prefix(size))
  }

  var isFlat: Bool {
    guard samples.count >= 8, let settled = quarter(1).max(), let last = quarter(3).max()
    else { return true }
    return last <= settled + max(16_384, settled / 5)
  }

  var summary: String {
    "second quarter max \(quarter(1).max() ?? 0), last quarter max \(quarter(3).max() ?? 0)"
  }
}
