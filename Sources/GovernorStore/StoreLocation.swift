import Foundation

/// Where the state lives, as given on the command line: a `postgres://` URL, or else the path
/// of a SQLite file (created with its folder on first use).
public enum StoreLocation: Hashable, Sendable, CustomStringConvertible {
  case sqlite(path: String)
  case postgres(url: String)

  public static let defaultPath = "./data/governor.sqlite"

  public init(_ text: String) {
    let scheme = text.prefix { $0 != ":" }.lowercased()
    self = ["postgres", "postgresql"].contains(scheme) ? .postgres(url: text) : .sqlite(path: text)
  }

  /// The location with any password replaced, for logs and messages.
  public var description: String {
    switch self {
    case .sqlite(let path): return path
    case .postgres(let url):
      guard var parts = URLComponents(string: url), parts.password != nil else { return url }
      parts.password = "***"
      return parts.string ?? "postgres://…"
    }
  }

  /// Opens (and migrates) the store for as long as `body` runs. `readOnly` opens an existing
  /// SQLite file without creating, migrating or writing it (PostgreSQL is only read anyway
  /// by a caller that writes nothing).
  public func withStore<T: Sendable>(readOnly: Bool = false, _ body: (any Store) async throws -> T)
    async throws -> T
  {
    switch self {
    case .sqlite(let path):
      if readOnly && !FileManager.default.fileExists(atPath: path) {
        throw StoreError.noStore(path: path)
      }
      return try await body(SQLiteStore(path: path, readOnly: readOnly))
    case .postgres(let url):
      return try await PostgresStore.withStore(url: url) { store in try await body(store) }
    }
  }
}
