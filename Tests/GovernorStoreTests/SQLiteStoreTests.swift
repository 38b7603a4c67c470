import Foundation
import GRDB
import GovernorCore
import GovernorStore
import Testing

/// What only the SQLite backend shows: its file, its migrations, and tampering with the file.
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
  }

  /// Appends `count` decisions and returns the store's path.
  func auditedStore(_ count: Int) async throws -> String {
    let path = StoreBackend.temporaryPath()
    let store = try SQLiteStore(path: path)
    try await consentingCustomer(store)
    let engine = Engine(policy: try weeklyCapPolicy())
    for index in 0..<count {
      let at = time("2026-11-26T12:00:00Z").addingTimeInterval(Double(index))
      let reservation = try await store.reserve(
        marketingMessage("m\(index)"), engine: engine, at: at)
      _ = try await store.appendDecision(reservation.decision, campaignId: "camp", at: at)
    }
    return path
  }

  func tamper(_ path: String, _ sql: String) async throws {
    try await DatabaseQueue(path: path).write { db in try db.execute(sql: sql) }
  }

  @Test("editing a decision's content is detected at that row")
  func editedContent() async throws {
    let path = try await auditedStore(4)
    try await tamper(
      path,
      "UPDATE decision SET content = replace(content, 'forwarded', 'blocked') WHERE sequence = 2")
    let verification = try await SQLiteStore(path: path).verifyAudit()
    #expect(!verification.intact)
    #expect(verification.firstProblem?.sequence == 2)
    #expect(verification.firstProblem?.problem == "its content does not match its hash")
  }

  @Test("editing a filter column without the content is detected")
  func editedColumn() async throws {
    let path = try await auditedStore(3)
    try await tamper(path, "UPDATE decision SET outcome = 'blocked' WHERE sequence = 3")
    let verification = try await SQLiteStore(path: path).verifyAudit()
    #expect(verification.firstProblem?.sequence == 3)
    #expect(verification.firstProblem?.problem == "its columns do not match its hashed content")
  }

  @Test("deleting a decision is detected at the row after it")
  func deletedRow() async throws {
    let path = try await auditedStore(4)
    try await tamper(path, "DELETE FROM decision WHERE sequence = 2")
    let verification = try await SQLiteStore(path: path).verifyAudit()
    #expect(verification.firstProblem?.sequence == 3)
    #expect(
      verification.firstProblem?.problem.hasPrefix("its previous-hash does not match") == true)
  }

  @Test("rewriting a row with a fresh hash still breaks the chain after it")
  func rehashedRow() async throws {
    let path = try await auditedStore(3)
    try await DatabaseQueue(path: path).write { db in
      let previous =
        try String.fetchOne(db, sql: "SELECT previous_hash FROM decision WHERE sequence = 2") ?? ""
      let content =
        (try String.fetchOne(db, sql: "SELECT content FROM decision WHERE sequence = 2") ?? "")
        .replacingOccurrences(of: "camp", with: "other")
      try db.execute(
        sql: "UPDATE decision SET content = ?, hash = ? WHERE sequence = 2",
        arguments: [content, AuditChain.hash(content: content, previous: previous)])
    }
    let verification = try await SQLiteStore(path: path).verifyAudit()
    #expect(verification.firstProblem?.sequence == 3)
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
    #expect(applied == ["v1-initial", "v2-deferred-queue"])
  }
}
