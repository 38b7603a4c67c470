import Foundation
import GRDB

/// SQL run straight against a store's database, around the store: SQLite through GRDB,
/// PostgreSQL through psql, as an operator (or an attacker) would.
public enum RawDatabase: Sendable {
  case sqlite(path: String)
  case postgres(url: String)

  /// The database as the command line names it (`--store`, store-probe).
  public var location: String {
    switch self {
    case .sqlite(let path): return path
    case .postgres(let url): return url
    }
  }

  public func execute(_ sql: String) async throws {
    _ = try await run(sql)
  }

  /// The first column of the first row, as text.
  public func text(_ sql: String) async throws -> String? {
    try await run(sql)
  }

  private func run(_ sql: String) async throws -> String? {
    switch self {
    case .sqlite(let path):
      // The store just closed may still be checkpointing its WAL: wait for it, not fail.
      var configuration = Configuration()
      configuration.busyMode = .timeout(10)
      return try await DatabaseQueue(path: path, configuration: configuration).write { db in
        try String.fetchOne(db, sql: sql)
      }
    case .postgres(let url):
      // On a thread of its own: waiting for psql on the cooperative pool (two threads on this
      // machine) stalls every other test's in-process server while it runs.
      return try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try Self.psql(url, sql) }) }.start()
      }
    }
  }
}

extension RawDatabase {
  /// Runs one statement through psql and returns its unaligned, tuples-only output.
  static func psql(_ url: String, _ sql: String) throws -> String {
    let psql = Process()
    let output = Pipe()
    psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
    psql.arguments = [url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]
    psql.standardOutput = output
    try psql.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    psql.waitUntilExit()
    guard psql.terminationStatus == 0 else { throw TestDatabaseError("psql failed on: \(sql)") }
    let text = String(decoding: data, as: UTF8.self)
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
  }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// The throwaway PostgreSQL server `make test` starts (`.ci/with-postgres`), if any.
public enum TestPostgres {
  public static let serverURL = ProcessInfo.processInfo.environment["GOVERNOR_TEST_POSTGRES_URL"]

  /// A new, empty database on the test server, created with psql; its URL.
  public static func freshDatabase() throws -> String {
    guard let server = serverURL, var parts = URLComponents(string: server) else {
      throw TestDatabaseError("GOVERNOR_TEST_POSTGRES_URL is not set")
    }
    let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    _ = try RawDatabase.psql(server, "CREATE DATABASE \(name)")
    parts.path = "/" + name
    return parts.string ?? server
  }
}
