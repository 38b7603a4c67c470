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
    subcommands: [Create.self, List.self, Revoke.self]
  )

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create an API key and print it once; only its hash is stored.",
      discussion: "Scopes: send, dry-run, audit:read, consent:write, admin (everything)."
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "Who or what the key is for.") var name: String
    @Option(help: "A scope; repeat for several.") var scope: [Scope]
    @Option(
      help: ArgumentHelp(
        "How long the key works, e.g. 90d; after that it authenticates nothing.",
        valueName: "duration"),
      transform: { try DurationArgument.seconds($0, option: "--expires", example: "90d or 12h") })
    var expires: TimeInterval?
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
      let now = Date()
      let (key, record) = APIKeys.generate(
        name: name, scopes: scope, at: now, expiresAt: expires.map { now + $0 })
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

extension KeysCommand {
  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the API keys: id, name, scopes, created, last used, expiry, state.",
      discussion: "The secret is never shown: only its hash is stored."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
      let keys = try await options.withStore { try await $0.apiKeys() }
      let now = Date()
      func day(_ date: Date?) -> String {
        date.map {
          $0.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false))
        }
          ?? "-"
      }
      print("id\tname\tscopes\tcreated\tlast used\texpires\tstate")
      for key in keys {
        let state =
          key.revokedAt.map { "revoked \(day($0))" }
          ?? (key.isLive(at: now) ? "live" : "expired")
        print(
          [
            key.id, key.name, key.scopes.joined(separator: ","), day(key.createdAt),
            day(key.lastUsedAt), day(key.expiresAt), state,
          ].joined(separator: "\t"))
      }
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Revoke an API key: running gateways refuse it within a second.",
      discussion: "Exits 1 when no live key has this id."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The key's id (the part after mg_, as `keys list` shows it).") var id: String

    func run() async throws {
      let revoked = try await options.withStore { try await $0.revokeAPIKey(id: id, at: Date()) }
      guard revoked else {
        printError("no live key has the id \(id)")
        throw ExitCode(1)
      }
      print("revoked \(id)")
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
