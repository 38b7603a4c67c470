import Foundation
import Synchronization

/// A PostgreSQL server of the test's own, on a free loopback port, that the test stops,
/// kills and starts again under load. The postmaster is the test's child, not a daemon that
/// `pg_ctl` leaves behind (Foundation's `Process` waits for every descendant holding its
/// pipes); as root it runs as the postgres user, since PostgreSQL refuses to run as root.
final class OwnPostgres: Sendable {
  let folder: String
  let port: Int
  let bin: String
  private let running = Mutex<Process?>(nil)

  var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }
  var data: String { folder + "/data" }

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  private init(folder: String, port: Int, bin: String) {
    self.folder = folder
    self.port = port
    self.bin = bin
  }

  static func start() async throws -> OwnPostgres {
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))
    guard
      let version = versions?.max(by: { $0.compare($1, options: .numeric) == .orderedAscending })
    else { throw Failure(description: "no PostgreSQL server installed") }
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("own-postgres-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    if getuid() == 0 {
      _ = try await SMTPClients.run("/usr/bin/chown", ["postgres", folder])
    }
    let server = OwnPostgres(
      folder: folder, port: try await SMTPClients.freePort(),
      bin: "/usr/lib/postgresql/\(version)/bin")
    let made = try await SMTPClients.run(
      asPostgres(server.bin + "/initdb").0,
      asPostgres(server.bin + "/initdb").1 + ["-D", server.data, "-A", "trust", "-U", "postgres"])
    guard made.status == 0 else { throw Failure(description: "initdb: \(made.stderr)") }
    try await server.startAgain()
    return server
  }

  /// Starts the postmaster (after a crash, with its recovery) and waits until it takes
  /// connections. Backends of a killed postmaster leave on their own, and until they have the
  /// new one refuses to start: it is tried again.
  func startAgain() async throws {
    for _ in 0..<40 {
      if try await startOnce() { return }
      try await Task.sleep(for: .milliseconds(250))
    }
    throw Failure(
      description: "PostgreSQL did not start: "
        + ((try? String(contentsOfFile: folder + "/server.log", encoding: .utf8))?.suffix(2_000)
          ?? ""))
  }

  private func startOnce() async throws -> Bool {
    let process = Process()
    let (executable, prefix) = Self.asPostgres(bin + "/postgres")
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments =
      prefix + [
        "-D", data, "-p", String(port), "-k", folder, "-c", "listen_addresses=127.0.0.1",
        "-c", "max_connections=100",
      ]
    let log = folder + "/server.log"
    if !FileManager.default.fileExists(atPath: log) {
      _ = FileManager.default.createFile(atPath: log, contents: nil)
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    handle.seekToEndOfFile()
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    running.withLock { $0 = process }
    for _ in 0..<600 {
      let ready = try await SMTPClients.run(
        bin + "/pg_isready", ["-h", "127.0.0.1", "-p", String(port)], seconds: 10)
      if ready.status == 0 { return true }
      guard process.isRunning else { return false }
      try await Task.sleep(for: .milliseconds(100))
    }
    return false
  }

  /// Fast shutdown (SIGINT), as `pg_ctl stop -m fast` sends: sessions are ended, open
  /// transactions rolled back. Returns once the postmaster is gone.
  func stopFast() async throws {
    try await signal(SIGINT)
  }

  /// SIGKILL to the postmaster, as the kernel's OOM killer would. Returns once it is gone and
  /// its backends, which notice their postmaster died, have gone too.
  func kill9() async throws {
    try await signal(SIGKILL)
  }

  private func signal(_ signal: Int32) async throws {
    let pidFile = try String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)
    guard let pid = Int32(pidFile.split(separator: "\n").first ?? "") else {
      throw Failure(description: "no postmaster pid in \(pidFile)")
    }
    kill(pid, signal)
    for _ in 0..<600 where kill(pid, 0) == 0 {
      try await Task.sleep(for: .milliseconds(50))
    }
    let process = running.withLock { $0 }
    for _ in 0..<600 where process?.isRunning == true {
      try await Task.sleep(for: .milliseconds(50))
    }
  }

  /// Stops the server however it is and removes its files.
  func destroy() {
    if let pidFile = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8),
      let pid = Int32(pidFile.split(separator: "\n").first ?? "")
    {
      kill(pid, SIGQUIT)
    }
    let process = running.withLock { $0 }
    for _ in 0..<100 where process?.isRunning == true {
      usleep(50_000)
    }
    try? FileManager.default.removeItem(atPath: folder)
  }

  private static func asPostgres(_ tool: String) -> (String, [String]) {
    getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--", tool]) : (tool, [])
  }
}
