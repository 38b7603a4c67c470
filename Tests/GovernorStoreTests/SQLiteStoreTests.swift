import Foundation
import GRDB
import GovernorCore
import Testing

@testable import GovernorStore

/// What only the SQLite backend shows: its file and its migrations.
@Suite("SQLite store")
struct SQLiteStoreTests {
  @Test("the file is created with its folder, in WAL mode, and reopens with its data")
  func createsAndReopens() async throws {
    let path = StoreBackend.temporaryPath()
    do {
      let store = try SQLiteStore(path: path)
      try await consentingCustomer(store)
    }
    #expect(FileManager.default.fileExists(atPath: path))
    let reopened = try SQLiteStore(path: path)
    #expect(try await reopened.customerState("c1", sendsSince: .distantPast)?.consents.count == 1)
    let mode = try await DatabaseQueue(path: path).read { db in
      try String.fetchOne(db, sql: "PRAGMA journal_mode")
    }
    #expect(mode == "wal")
    let synchronous = try await reopened.pool.read { db in
      try Int.fetchOne(db, sql: "PRAGMA synchronous")
    }
    #expect(synchronous == 2)  // FULL
    // Group commit's savepoints keep their journals in memory, not in a temporary file each.
    let tempStore = try await reopened.pool.write { db in
      try Int.fetchOne(db, sql: "PRAGMA temp_store")
    }
    #expect(tempStore == 2)  // MEMORY
  }

  struct Refused: Error {}

  /// 64 writes at once, so most share a commit; whether each caller was told it succeeded.
  static func writesAtOnce(
    _ store: SQLiteStore, _ body: @escaping @Sendable (Int, Database) throws -> Void
  ) async -> [Int: Bool] {
    await withTaskGroup(of: (Int, Bool).self) { group in
      for n in 0..<64 {
        group.addTask {
          do {
            try await store.write { db in try body(n, db) }
            return (n, true)
          } catch {
            return (n, false)
          }
        }
      }
      return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
    }
  }

  @Test("writes sharing one commit: one that throws is undone alone, the others are kept")
  func groupCommitIsolatesAFailingWrite() async throws {
    let store = try SQLiteStore(path: StoreBackend.temporaryPath())
    try await store.pool.write { db in try db.execute(sql: "CREATE TABLE scratch (n INTEGER)") }
    let outcomes = await Self.writesAtOnce(store) { n, db in
      try db.execute(sql: "INSERT INTO scratch (n) VALUES (?)", arguments: [n])
      if n % 10 == 7 { throw Refused() }
    }
    #expect(outcomes.filter { !$0.value }.keys.sorted() == [7, 17, 27, 37, 47, 57])
    let kept = try await store.pool.read { db in
      try Int.fetchAll(db, sql: "SELECT n FROM scratch ORDER BY n")
    }
    #expect(kept == (0..<64).filter { $0 % 10 != 7 })
  }

  @Test(
    "a write that ends the shared transaction fails its whole batch: no caller is told yes for a row that is not there"
  )
  func groupCommitLostTransaction() async throws {
    let store = try SQLiteStore(path: StoreBackend.temporaryPath())
    try await store.pool.write { db in try db.execute(sql: "CREATE TABLE scratch (n INTEGER)") }
    let outcomes = await Self.writesAtOnce(store) { n, db in
      try db.execute(sql: "INSERT INTO scratch (n) VALUES (?)", arguments: [n])
      if n == 7 {
        try db.execute(sql: "ROLLBACK")
        throw Refused()
      }
    }
    #expect(outcomes[7] == false)
    let kept = try await store.pool.read { db in
      try Int.fetchAll(db, sql: "SELECT n FROM scratch ORDER BY n")
    }
    #expect(kept == outcomes.filter(\.value).keys.sorted())
    // The store goes on working after it.
    try await store.write { db in try db.execute(sql: "INSERT INTO scratch (n) VALUES (100)") }
  }

  @Test("the log is copied into the database file in the background, not by the writer")
  func checkpointsInTheBackground() async throws {
    let path = StoreBackend.temporaryPath()
    let store = try SQLiteStore(path: path)
    let fallback = try await store.pool.write { db in
      try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
    }
    #expect(fallback == WALCheckpointer.writerFallbackPages)
    try await store.pool.write { db in try db.execute(sql: "CREATE TABLE scratch (b BLOB)") }
    func fileSize() throws -> Int {
      try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }
    let before = try fileSize()
    for _ in 0..<50 {
      try await store.write { db in
        for _ in 0..<4 {
          try db.execute(
            sql: "INSERT INTO scratch (b) VALUES (?)",
            arguments: [Data(repeating: 7, count: 4_000)])
        }
      }
    }
    // ~250 pages: far below the writer's own threshold, so only the background copy can
    // have grown the database file.
    let deadline = Date() + 5
    while try fileSize() < before + 200 * 4_096, Date() < deadline {
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(try fileSize() >= before + 200 * 4_096)
  }

  @Test("ids are 32 hex digits that sort in the order they were made, and never repeat")
  func idsInTimeOrder() {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let ids = (0..<200).map { StoredValues.newId("dec", at: start + Double($0) * 0.01) }
    #expect(ids == ids.sorted())
    #expect(Set(ids).count == ids.count)
    #expect(ids.allSatisfy { $0.hasPrefix("dec_") && $0.count == 36 })
    #expect(ids.allSatisfy { $0.dropFirst(4).allSatisfy(\.isHexDigit) })
    // Within one millisecond the order is random; the ids still differ.
    let sameInstant = (0..<200).map { _ in StoredValues.newId("dec", at: start) }
    #expect(Set(sameInstant).count == 200)
  }
}

@Suite("SQLite migrations")
struct SQLiteMigrationTests {
  @Test("a new file gets every migration, in order, and reopening applies none twice")
  func migrationsApplied() async throws {
    let path = StoreBackend.temporaryPath()
    _ = try SQLiteStore(path: path)
    _ = try SQLiteStore(path: path)
    let applied = try await DatabaseQueue(path: path).read { db in
      try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }
    #expect(
      applied == [
        "v1-initial", "v2-deferred-queue", "v3-audit-head", "v4-decision-by-message", "v5-api-keys",
        "v6-decision-filters", "v7-customer-control", "v8-erasure-records",
        "v9-customer-address", "v10-consent-address", "v11-message-fingerprint",
        "v12-customer-by-address", "v13-delivery-counts", "v14-bypass-events", "v15-brake-log",
        "v16-recorded-at", "v17-key-lifecycle",
      ])
  }
}
