import Foundation
import GovernorCore

/// Runs the built `governor` executable from the repository root, as a person would.
struct GovernorBinary {
  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String

    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
  }

  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The test bundle sits in the build's products folder, next to the executable.
  /// `GOVERNOR_BINARY` points elsewhere: `make reliability` runs the suite on a release build.
  static var executable: URL {
    if let path = ProcessInfo.processInfo.environment["GOVERNOR_BINARY"], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    let productsFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for folder in [productsFolder, productsFolder.deletingLastPathComponent()] {
      let candidate = folder.appendingPathComponent("governor")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return repositoryRoot.appendingPathComponent(".build/debug/governor")
  }

  /// A policy shipped under `policies/`, loaded as the binary would load it.
  static func shippedPolicy(_ name: String) throws -> Policy {
    let path = "policies/\(name).yaml"
    return try PolicyLoader.load(
      Data(contentsOf: repositoryRoot.appendingPathComponent(path)), file: path,
      lists: { try? Data(contentsOf: repositoryRoot.appendingPathComponent("policies/" + $0)) }
    ).get()
  }

  static func run(_ arguments: String...) async throws -> Run {
    try await run(arguments, environment: nil)
  }

  /// `environment` nil: the test process's own. `input`, when given, is the standard input.
  /// The child is waited for on a thread of its own (`offThePool`): on the cooperative pool
  /// (two threads on this machine) two such waits stalled every other test's server.
  static func run(_ arguments: [String], environment: [String: String]?, input: String? = nil)
    async throws -> Run
  {
    try await offThePool { try runBlocking(arguments, environment: environment, input: input) }
  }

  private static func runBlocking(
    _ arguments: [String], environment: [String: String]?, input: String?
  ) throws -> Run {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.currentDirectoryURL = repositoryRoot
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = Pipe()
    if input != nil { process.standardInput = stdin }
    try process.run()
    if let input {
      stdin.fileHandleForWriting.write(Data(input.utf8))
      try stdin.fileHandleForWriting.close()
    }
    // Read before waiting: a full pipe would block the child forever.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self))
  }
}
