import Foundation
import GRDB
import GovernorDelivery
import TestPeers
import Testing

/// The SQLite store on a tmpfs the test sizes, filled up under load by the real binary: the
/// gateway answers 503 with Retry-After and says why in its log, loses and corrupts nothing,
/// and recovers by itself once the filesystem is made larger.
@Suite("Reliability: the store's disk fills up", .serialized)
struct DiskFullTests {
  @Test(
    "a full disk: 503 with Retry-After, the log says why, nothing lost; space returns and it recovers"
  )
  func fullDisk() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("disk-full-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let disk = try await SmallDisk(mountedAt: folder.path, megabytes: 64)
    defer { disk.unmount() }
    let setup = try await ReliabilitySetup.make(customers: 1_000, in: folder)
    let sink = try FaultSink { _, _ in .answer(status: 202) }
    defer { sink.stop() }
    // Room for a few hundred decisions more than the store and its log hold now.
    try await disk.resize(kilobytes: disk.usedKilobytes + 1_024)
    let server = try await GovernorProcess.start(setup.serveArguments(sink: sink))
    let load = LoadRun(base: server.base, key: setup.key, customers: setup.customers)
    do {
      for _ in 0..<30 where load.result.statuses[503] == nil {
        await load.run(connections: 16, until: ContinuousClock.now + .seconds(1))
      }
      #expect(load.result.statuses[503] != nil, "the disk never filled: \(load.result.statuses)")
      let refusal = try await oneRefusal(server, key: setup.key)
      #expect(refusal?.headers["retry-after"] == "5", "\(String(describing: refusal))")
      #expect(refusal?.headers["content-type"] == "application/problem+json")
      #expect(
        server.log.contains("the disk holding the store is full"), "\(server.log.suffix(2_000))")

      try await disk.resize(kilobytes: disk.usedKilobytes + 64 * 1_024)
      let acceptedBefore = load.result.statuses[200] ?? 0
      await load.run(connections: 16, until: ContinuousClock.now + .seconds(3))
      #expect((load.result.statuses[200] ?? 0) > acceptedBefore + 16, "\(load.result.statuses)")
    } catch {
      try await server.stop()
      throw error
    }
    try await server.stop()

    let tally = load.result
    print("disk full: statuses \(tally.statuses), \(tally.unanswered) unanswered")
    #expect(tally.statuses[500] == nil, "\(tally.statuses)")
    #expect(tally.unanswered == 0)
    let integrity = try setup.readStore { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
    #expect(integrity == ["ok"])
    try await setup.expectHeld(tally, sink: sink)
    // Outcomes the full disk could not take at once were written once space came back.
    let open = try setup.ledgerRows().filter { $0.status == "reserved" }
    #expect(open.isEmpty, "sends still reserved: \(open.prefix(5).map(\.messageId))")
  }

  /// One request answered 503 while the disk is full (a checkpoint may free room in the log
  /// for a moment, so a few may still pass).
  func oneRefusal(_ server: GovernorProcess, key: String) async throws -> SenderResponse? {
    let transport = CurlTransport(configuration: .init(maxConcurrent: 1))
    defer { transport.shutdown() }
    for attempt in 0..<50 {
      let body = """
        {"id":"probe-\(attempt)","customer_id":"c1","to":"c1@example.com",\
        "from":"shop@shop.example","subject":"Probe","text":"x","category":"transactional"}
        """
      let response = try await transport.send(
        SenderRequest(
          method: "POST", url: server.base + "/v1/messages",
          headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(key)")],
          body: Data(body.utf8)))
      if response.status == 503 { return response }
    }
    return nil
  }
}

/// A tmpfs mounted over a test's own folder, sized by the test: `mount` as root, as the test
/// machines and CI run.
struct SmallDisk: Sendable {
  let path: String

  init(mountedAt path: String, megabytes: Int) async throws {
    self.path = path
    let mounted = try await SMTPClients.run(
      "/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
    guard mounted.status == 0 else {
      throw SetupFailure(reason: "cannot mount a tmpfs (needs root): \(mounted.stderr)")
    }
  }

  var usedKilobytes: Int {
    let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path)
    let size = (attributes?[.systemSize] as? NSNumber)?.intValue ?? 0
    let free = (attributes?[.systemFreeSize] as? NSNumber)?.intValue ?? 0
    return (size - free) / 1_024
  }

  func resize(kilobytes: Int) async throws {
    let resized = try await SMTPClients.run(
      "/usr/bin/mount", ["-o", "remount,size=\(kilobytes)k", path])
    guard resized.status == 0 else { throw SetupFailure(reason: resized.stderr) }
  }

  /// Lazily, so a server still holding a file cannot keep the mount.
  func unmount() {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/umount")
    process.arguments = ["-l", path]
    try? process.run()
    process.waitUntilExit()
  }

  struct SetupFailure: Error {
    var reason: String
  }
}
