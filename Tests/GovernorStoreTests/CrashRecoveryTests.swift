import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Runs the `store-probe` helper in its own process, next to the test bundle.
enum StoreProbe {
  static var executable: URL {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [folder, folder.deletingLastPathComponent()] {
      let probe = candidate.appendingPathComponent("store-probe")
      if FileManager.default.isExecutableFile(atPath: probe.path) { return probe }
    }
    return folder.appendingPathComponent("store-probe")
  }

  static func start(_ arguments: [String], prefix: String) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ["PROBE_PREFIX": prefix]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    return (process, output)
  }

  /// Reads lines until one equals `line` (or the output ends); returns every line read.
  static func read(_ pipe: Pipe, until line: String) -> [String] {
    var lines: [String] = []
    var buffer = Data()
    while true {
      let chunk = pipe.fileHandleForReading.availableData
      if chunk.isEmpty { return lines }
      buffer.append(chunk)
      while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let text = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
        buffer.removeSubrange(buffer.startIndex...newline)
        lines.append(text)
        if text == line { return lines }
      }
    }
  }
}

@Suite("Crash recovery")
struct CrashRecoveryTests {
  func policyFile(max: Int) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("probe-policy-\(UUID().uuidString).yaml").path
    let yaml = """
      name: probe
      consent:
        purposes: {marketing: {}}
      categories:
        marketing: {consent: [marketing]}
      caps:
        - {id: weekly, max: \(max), within: 7d}
      """
    try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test(
    "a process killed between reserve and commit leaves an unknown reservation that still counts",
    arguments: StoreBackend.available)
  func killedBetweenReserveAndCommit(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      try await consentingCustomer(store)
      let policy = try policyFile(max: 2)

      let (process, output) = try StoreProbe.start(
        [database.location, policy, "c1", "1", "--hold"], prefix: "crash")
      let lines = StoreProbe.read(output, until: "done")
      #expect(lines == ["reserved crash-0", "done"])
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      #expect(process.terminationReason == .uncaughtSignal)

      // The reservation was durable before the process died; recovery marks it unknown.
      let unknown = try await store.recoverUnfinishedReservations(
        reservedBefore: Date(), at: Date())
      #expect(unknown.map(\.messageId) == ["crash-0"])
      #expect(try await store.ledger(status: .unknown).map(\.customerId) == ["c1"])

      // It still takes its slot: one more fits under the cap of 2, not two.
      let engine = Engine(
        policy: try PolicyLoader.load(file: policy).get())
      let message = { (id: String) in
        Message(
          id: id, customerId: "c1", to: "c1@example.com", from: "f@example.com", subject: "s",
          category: "marketing")
      }
      #expect(try await store.decide(message("after-1"), engine: engine, at: Date()).reserved)
      #expect(try await !store.decide(message("after-2"), engine: engine, at: Date()).reserved)
    }
  }

  @Test(
    "two processes making 100 concurrent reservations each never overshoot a cap of 3",
    arguments: StoreBackend.available)
  func twoProcessesOneDatabase(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      try await consentingCustomer(store)
      let policy = try policyFile(max: 3)
      let arguments = [database.location, policy, "c1", "100", "--concurrent"]
      let (first, firstOutput) = try StoreProbe.start(arguments, prefix: "a")
      let (second, secondOutput) = try StoreProbe.start(arguments, prefix: "b")
      let lines =
        StoreProbe.read(firstOutput, until: "done") + StoreProbe.read(secondOutput, until: "done")
      first.waitUntilExit()
      second.waitUntilExit()
      #expect(first.terminationStatus == 0 && second.terminationStatus == 0)
      #expect(lines.count == 202)
      #expect(lines.filter { $0.hasPrefix("reserved") }.count == 3)
      #expect(try await store.ledger(status: .reserved).count == 3)
    }
  }
}
