import Foundation

/// Runs blocking work (a child process, a read from its pipe) on a thread of its own, so the
/// test process's two cooperative threads stay free for the tests running beside it: blocked
/// for seconds, they starve every other suite's servers and sinks.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Result { try work() }) }.start()
  }
}

/// A child that outlives its test holds the pipe its output goes to, and whoever reads that
/// pipe waits with it: killed after `seconds`, a hung child fails its test instead of the run.
func killIfStillRunning(_ process: Process, after seconds: Int) {
  let pid = process.processIdentifier
  DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds)) {
    if process.isRunning { kill(pid, SIGKILL) }
  }
}

/// `governor serve` as a process the test controls to the signal: started, loaded, killed
/// with SIGKILL and started again on the same store. Its state is set once, when it starts.
final class GovernorProcess: @unchecked Sendable {
  let process = Process()
  let logPath: String
  let base: String
  /// The SMTP listener's port, when `--smtp` was given.
  let smtpPort: Int?

  /// Starts the server on a thread of its own (see `offThePool`).
  static func start(_ arguments: [String], environment: [String: String]? = nil) async throws
    -> GovernorProcess
  {
    try await offThePool { try GovernorProcess(arguments, environment: environment) }
  }

  /// Starts `governor serve --port 0 ARGUMENTS` and waits for its address. `environment` nil:
  /// the test process's own plus the unsubscribe secret; given, exactly that.
  init(_ arguments: [String], environment: [String: String]? = nil) throws {
    logPath =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-log-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    process.executableURL = GovernorBinary.executable
    process.arguments = ["serve", "--port", "0"] + arguments
    process.currentDirectoryURL = GovernorBinary.repositoryRoot
    process.environment =
      environment
      ?? ProcessInfo.processInfo.environment.merging(
        ["GOVERNOR_UNSUBSCRIBE_SECRET": ServedGovernor.unsubscribeSecret]) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = log
    try process.run()
    let announced = Self.announced(output, smtp: arguments.contains("--smtp"))
    base = announced?.base ?? ""
    smtpPort = announced?.smtpPort
    guard !base.isEmpty else {
      process.waitUntilExit()
      throw ProcessFailure(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }
  }

  /// Reads the server's output until it names the address it listens on (and its SMTP port,
  /// when `smtp`); nil if it exits first.
  static func announced(_ output: Pipe, smtp: Bool) -> (base: String, smtpPort: Int?)? {
    var buffer = Data()
    while true {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { return nil }
      buffer.append(chunk)
      let text = String(decoding: buffer, as: UTF8.self)
      guard
        let range = text.range(of: #"https?://127\.0\.0\.1:\d+"#, options: .regularExpression)
      else { continue }
      // The `--smtp` listener's line, not the implicit-TLS one's (`(TLS)`).
      let smtpLine = text.range(
        of: #"SMTP listening on 127\.0\.0\.1:\d+(?= \((no TLS|STARTTLS)\))"#,
        options: .regularExpression)
      if smtp && smtpLine == nil { continue }
      let port = smtpLine.flatMap { Int(text[$0].split(separator: ":").last ?? "") }
      return (String(text[range]), port)
    }
  }

  struct ProcessFailure: Error, CustomStringConvertible {
    var log: String
    var description: String { "governor serve did not start:\n\(log)" }
  }

  var pid: Int32 { process.processIdentifier }

  /// Resident memory in KiB, from /proc.
  var residentKiB: Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
  }

  /// Sends `signal` and waits for the process to end.
  func stop(_ signal: Int32 = SIGTERM) async throws {
    let process = process
    kill(pid, signal)
    try await offThePool { process.waitUntilExit() }
  }

  var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
