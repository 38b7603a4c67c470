import Foundation
import GovernorCore
import GovernorStore
import TestDatabases
import Testing

/// The stores a `--store` argument can name; PostgreSQL when `make test` started a server.
enum CLIStore: String, CustomTestStringConvertible, Sendable {
  case sqlite
  case postgres

  var testDescription: String { rawValue }

  static var available: [CLIStore] {
    TestPostgres.serverURL == nil ? [.sqlite] : [.sqlite, .postgres]
  }

  /// The `--store` value of a new, empty store.
  func freshLocation() throws -> String {
    switch self {
    case .sqlite:
      return FileManager.default.temporaryDirectory
        .appendingPathComponent("governor-cli-\(UUID().uuidString)/governor.sqlite").path
    case .postgres:
      return try TestPostgres.freshDatabase()
    }
  }

  /// A location holding `body`'s writes, for the binary to read afterwards.
  func prepared(_ body: (any Store) async throws -> Void) async throws -> String {
    let location = try freshLocation()
    try await StoreLocation(location).withStore { store in try await body(store) }
    return location
  }

  var raw: (String) -> RawDatabase {
    switch self {
    case .sqlite: return { .sqlite(path: $0) }
    case .postgres: return { .postgres(url: $0) }
    }
  }
}
