import ArgumentParser
import Foundation
import GovernorCore

struct PolicyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policy",
    abstract: "Work with policy files.",
    subcommands: [Check.self, PolicyReplayCommand.self]
  )

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Validate policy files; print every problem as FILE:LINE:COLUMN: message.",
      discussion: "Exits 0 when every file is valid (printing its name and version), 1 if not."
    )

    @Argument(help: "Policy files to check.")
    var files: [String]

    func run() throws {
      var failed = false
      for file in files {
        switch PolicyFiles.load(file) {
        case .success(let policy):
          print("\(file): ok: policy '\(policy.name)' version \(policy.version)")
        case .failure(let error):
          failed = true
          for diagnostic in error.diagnostics { printError(diagnostic.description) }
          let count = error.diagnostics.count
          printError("\(file): \(count) \(count == 1 ? "problem" : "problems")")
        }
      }
      if failed { throw ExitCode(1) }
    }
  }
}

/// Reading policy files from disk: the only I/O around `PolicyLoader`.
enum PolicyFiles {
  static func load(_ path: String) -> Result<Policy, PolicyError> {
    PolicyLoader.load(file: path)
  }

  /// The policy, or every problem in it on stderr and exit status 1.
  static func loadOrExit(_ path: String) throws -> Policy {
    switch load(path) {
    case .success(let policy): return policy
    case .failure(let error):
      for diagnostic in error.diagnostics { printError(diagnostic.description) }
      throw ExitCode(1)
    }
  }
}

func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
