import ArgumentParser
import Foundation
import GovernorHTTP
import GovernorService
import GovernorStore

extension Scope: ExpressibleByArgument {}

struct KeysCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keys",
    abstract: "Manage API keys.",
    subcommands: [Create.self]
  )

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create an API key and print it once; only its hash is stored.",
      discussion: "Scopes: send, dry-run, audit:read, consent:write, admin (everything)."
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "Who or what the key is for.") var name: String
    @Option(help: "A scope; repeat for several.") var scope: [Scope]
    @Flag(
      help: ArgumentHelp(
        "Also print the key's AWS credentials, for the SES-compatible routes (needs "
          + "\(AWSCredentials.environmentVariable), as `governor serve` has it)."))
    var aws = false

    func validate() throws {
      if scope.isEmpty { throw ValidationError("--scope: give at least one") }
    }

    func run() async throws {
      let credentials = aws ? try AWSSecret.credentialsOrExit(required: true) : nil
      let (key, record) = APIKeys.generate(name: name, scopes: scope, at: Date())
      try await options.withStore { try await $0.saveAPIKey(record) }
      print(key)
      if let credentials {
        // The AWS credentials-file format: paste under a profile in ~/.aws/credentials.
        print("aws_access_key_id = \(AWSCredentials.accessKeyId(for: record))")
        print("aws_secret_access_key = \(credentials.secretAccessKey(for: record))")
      }
    }
  }
}

/// The development key `make run` uses: kept in a file under ./data (gitignored) so every
/// start can print a ready-to-paste example; created, with every scope, when missing or no
/// longer known to the store.
enum DevelopmentKey {
  static func ensure(file: String, store: any Store) async throws -> String {
    if let saved = try? String(contentsOfFile: file, encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines),
      try await APIKeys.authenticate("Bearer " + saved, in: store) != nil
    {
      return saved
    }
    let (key, record) = APIKeys.generate(name: "development", scopes: [.admin], at: Date())
    try await store.saveAPIKey(record)
    let url = URL(fileURLWithPath: file)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    guard
      FileManager.default.createFile(
        atPath: file, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600])
    else { throw ValidationError("--dev-key-file: cannot write \(file)") }
    return key
  }
}
