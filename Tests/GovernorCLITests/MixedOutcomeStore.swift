import Foundation
import GovernorCore
import GovernorStore
import Testing

/// A store where one message to six recipients meets every outcome: `fwd1`, `fwd2` (consent,
/// midday where they live), `capped` (consent, one send this week), `night` (consent,
/// midnight where they live), `unsub` (consent, then unsubscribed); any other address is a
/// customer with no consent. The mail doors' end-to-end tests (SMTP, the ESP APIs) share it.
struct MixedOutcomeStore {
  var folder: String
  var store: String
  var outbox: String
  /// A key with the `send` scope, and one with `admin` to read the audit log.
  var key: String
  var admin: String

  static func make(server: ServedGovernor, policy policyFile: String) async throws
    -> MixedOutcomeStore
  {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("doors-e2e-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let path = folder + "/governor.sqlite"
    let store = try SQLiteStore(path: path)
    let policy = try PolicyLoader.load(
      Data(contentsOf: GovernorBinary.repositoryRoot.appendingPathComponent(policyFile)),
      file: policyFile
    ).get()
    let validator = RecordValidator(policy: policy)
    let now = Date()
    for (id, zone) in [
      ("fwd1", MiddayZone.now), ("fwd2", MiddayZone.now), ("capped", MiddayZone.now),
      ("night", MiddayZone.midnight), ("unsub", MiddayZone.now),
    ] {
      try await store.saveCustomer(
        validator.profile(CustomerProfile(id: id, email: "\(id)@example.com", timeZone: zone)))
      try await store.recordConsent(
        validator.consent(
          ConsentEvent(purpose: "marketing", status: .granted, at: now - 86_400, source: "form"),
          now: now),
        customerId: id)
    }
    _ = try await store.addSuppression(
      validator.suppression(
        Suppression(reason: .unsubscribed, scope: .all, at: now - 3_600, source: "form"),
        now: now),
      customerId: "unsub")
    _ = try await store.decide(
      Message(
        id: "earlier", customerId: "capped", to: "capped@example.com", from: "news@shop.example",
        subject: "Earlier", text: "Hi", category: "marketing"),
      engine: Engine(policy: policy), at: now - 3_600)
    return MixedOutcomeStore(
      folder: folder, store: path, outbox: folder + "/outbox",
      key: try await server.createKey(path, scope: "send"),
      admin: try await server.createKey(path, scope: "admin"))
  }
}

extension MixedOutcomeStore {
  /// `governor serve` on this store with `policy`, mail going to the outbox unless `sender`
  /// names another.
  func serve(
    policy: String, environment: [String: String]? = nil, sender: String? = nil,
    _ body: (String) async throws -> Void
  ) async throws {
    let process = try await GovernorProcess.start(
      ["--store", store, "--policy", policy, "--sender", sender ?? "outbox:\(outbox)"],
      environment: environment)
    do {
      try await body(process.base)
    } catch {
      try await process.stop()
      throw error
    }
    try await process.stop()
  }

  /// The mails in the outbox, by name.
  var sent: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? [])
      .filter { $0.hasSuffix(".eml") }.sorted()
  }
}

/// A provider's official SDK, driven by a script under `fixtures/esp`: a JSON spec on stdin,
/// its JSON result on stdout.
enum ProviderClient {
  /// Two SDK processes at a time across the whole run: each starts a Python interpreter that
  /// imports its SDK (botocore alone takes a CPU-second), and a dozen at once on two cores
  /// starved the timing-sensitive tests beside them.
  static let slots = ProcessSlots(2)

  static func run(_ script: String, _ spec: [String: Any]) async throws -> [String: Any] {
    await slots.acquire()
    defer { Task { await slots.release() } }
    let path = GovernorBinary.repositoryRoot.appendingPathComponent("fixtures/esp/\(script)").path
    let run = try await SMTPClients.run(
      "/usr/bin/env", ["python3", path], input: try JSONSerialization.data(withJSONObject: spec))
    let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    return try #require(result, "\(script) printed no result: \(run.stderr)")
  }
}

/// A counting semaphore for child processes, waiting without holding a thread.
actor ProcessSlots {
  private var free: Int
  private var waiting: [CheckedContinuation<Void, Never>] = []

  init(_ count: Int) { free = count }

  func acquire() async {
    if free > 0 {
      free -= 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  func release() {
    if waiting.isEmpty {
      free += 1
    } else {
      waiting.removeFirst().resume()
    }
  }
}
