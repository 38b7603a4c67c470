import Foundation
import Testing

/// The real SMTP clients the tests drive the listener with: Python's smtplib and a raw
/// socket (`fixtures/smtp/client.py`), and Debian's swaks.
enum SMTPClients {
  static let script = GovernorBinary.repositoryRoot.appendingPathComponent(
    "fixtures/smtp/client.py"
  ).path

  struct Run: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs a program to its end on a thread of its own, `input` on its stdin.
  static func run(
    _ executable: String, _ arguments: [String], input: Data = Data(), seconds: Int = 120
  )
    async throws -> Run
  {
    try await offThePool {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      let stdin = Pipe()
      let stdout = Pipe()
      // stderr to a file: two pipes read one after the other could block the child on either.
      let errorPath = FileManager.default.temporaryDirectory
        .appendingPathComponent("tool-stderr-\(UUID().uuidString)").path
      _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
      defer { try? FileManager.default.removeItem(atPath: errorPath) }
      process.standardInput = stdin
      process.standardOutput = stdout
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
      try process.run()
      killIfStillRunning(process, after: seconds)
      stdin.fileHandleForWriting.write(input)
      try stdin.fileHandleForWriting.close()
      let output = stdout.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      let errorData = FileManager.default.contents(atPath: errorPath) ?? Data()
      return Run(
        status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
        stderr: String(decoding: errorData, as: UTF8.self))
    }
  }

  /// smtplib sending one message as `spec` says; its JSON result.
  static func send(_ spec: [String: Any]) async throws -> [String: Any] {
    let run = try await run(
      "/usr/bin/env", ["python3", script, "send"],
      input: try JSONSerialization.data(withJSONObject: spec))
    guard
      let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    else {
      Issue.record("smtplib printed no result: \(run.stderr)")
      return [:]
    }
    return result
  }

  /// Bytes sent as given, step by step; every reply line the server sent.
  static func raw(port: Int, _ steps: [[String: Any]]) async throws -> [String] {
    let run = try await run(
      "/usr/bin/env", ["python3", script, "raw"],
      input: try JSONSerialization.data(
        withJSONObject: ["host": "127.0.0.1", "port": port, "steps": steps]))
    return (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String]) ?? [
      "no replies: \(run.stderr)"
    ]
  }

  static func swaks(_ arguments: [String]) async throws -> Run {
    try await run("/usr/bin/swaks", arguments)
  }

  static var swaksInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/swaks") }

  /// A port nothing listens on now (the kernel's choice, released at once).
  static func freePort() async throws -> Int {
    let run = try await run(
      "/usr/bin/env",
      [
        "python3", "-c",
        "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])",
      ])
    return Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
  }
}
