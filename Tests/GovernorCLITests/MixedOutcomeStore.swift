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
  /// `governor serve` on this store with `policy`, mail going to the outbox.
  func serve(policy: String, _ body: (String) async throws -> Void) async throws {
    let process = try await GovernorProcess.start([
      "--store", store, "--policy", policy, "--sender", "outbox:\(outbox)",
    ])
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
  static func run(_ script: String, _ spec: [String: Any]) async throws -> [String: Any] {
    let path = GovernorBinary.repositoryRoot.appendingPathComponent("fixtures/esp/\(script)").path
    let run = try await SMTPClients.run(
      "/usr/bin/env", ["python3", path], input: try JSONSerialization.data(withJSONObject: spec))
    let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    return try #require(result, "\(script) printed no result: \(run.stderr)")
  }
}
