import Foundation
import GRDB
import GovernorStore

/// SQL run straight against a store's database, around the store: SQLite through GRDB,
/// PostgreSQL through psql, as an operator (or an attacker) would.
enum RawDatabase: Sendable {
  case sqlite(path: String)
  case postgres(url: String)

  func execute(_ sql: String) async throws {
    _ = try await run(sql)
  }

  /// The first column of the first row, as text.
  func text(_ sql: String) async throws -> String? {
    try await run(sql)
  }

  private func run(_ sql: String) async throws -> String? {
    switch self {
    case .sqlite(let path):
      return try await DatabaseQueue(path: path).write { db in
        try String.fetchOne(db, sql: sql)
      }
    case .postgres(let url):
      let psql = Process()
      let output = Pipe()
      psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
      psql.arguments = [url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]
      psql.standardOutput = output
      try psql.run()
      let data = output.fileHandleForReading.readDataToEndOfFile()
      psql.waitUntilExit()
      guard psql.terminationStatus == 0 else {
        throw StoreError.badStoredValue("psql failed on: \(sql)")
      }
      let text = String(decoding: data, as: UTF8.self)
      return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }
  }
}
