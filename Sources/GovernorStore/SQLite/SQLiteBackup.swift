import Foundation
import GRDB

/// An online copy of a SQLite store, taken with SQLite's backup API (through GRDB) while
/// gateways keep writing: the copy is the store as of one committed transaction, never a
/// file copied mid-write (which WAL mode would make unreadable).
public enum SQLiteBackup {
  public struct Summary: Sendable {
    public var bytes: Int
    public var decisions: Int
  }

  public enum Failure: Error, CustomStringConvertible {
    case missing(String)
    case exists(String)
    case damaged(String, detail: String)

    public var description: String {
      switch self {
      case .missing(let path): return "\(path) does not exist; nothing was written"
      case .exists(let path):
        return "\(path) exists; a backup or restore never overwrites a file: move it away first"
      case .damaged(let path, let detail):
        return "\(path) failed SQLite's integrity check (\(detail)); nothing was written"
      }
    }
  }

  /// Copies the store at `source` (which may be in use) to a new file `destination`. The copy
  /// is written beside it under a temporary name, checked, and only then renamed into place,
  /// so an interrupted backup never leaves a half-written file where a good one is expected.
  public static func copy(from source: String, to destination: String) throws -> Summary {
    guard FileManager.default.fileExists(atPath: source) else { throw Failure.missing(source) }
    guard !FileManager.default.fileExists(atPath: destination) else {
      throw Failure.exists(destination)
    }
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(10)
    let pool = try DatabasePool(path: source, configuration: configuration)
    let partial = destination + ".partial-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: partial) }
    do {
      let copy = try DatabaseQueue(path: partial)
      try pool.backup(to: copy)
      // The copy is a store of its own: a rollback journal, not the source's WAL.
      try copy.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA journal_mode = DELETE")
      }
      try check(copy, path: partial)
    }
    try FileManager.default.moveItem(atPath: partial, toPath: destination)
    return try summary(of: destination)
  }

  /// Puts a backup in place as the store at `destination` (which must not exist yet), after
  /// checking it: the gateway then starts on it as on any store.
  public static func restore(from backup: String, to destination: String) throws -> Summary {
    try copy(from: backup, to: destination)
  }

  private static func check(_ database: DatabaseQueue, path: String) throws {
    let result = try database.read { db in
      try String.fetchAll(db, sql: "PRAGMA integrity_check")
    }
    guard result == ["ok"] else {
      throw Failure.damaged(path, detail: result.prefix(3).joined(separator: "; "))
    }
  }

  private static func summary(of path: String) throws -> Summary {
    let bytes =
      (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    let database = try DatabaseQueue(path: path, configuration: readOnly)
    let decisions = try database.read { db in
      try Int.fetchOne(db, sql: "SELECT count(*) FROM decision") ?? 0
    }
    return Summary(bytes: bytes, decisions: decisions)
  }

  private static var readOnly: Configuration {
    var configuration = Configuration()
    configuration.readonly = true
    return configuration
  }
}
