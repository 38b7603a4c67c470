import Foundation
import GovernorCore
import GovernorStore
import TestDatabases
import Testing

/// Someone with write access to the database edits, deletes or reorders decision rows
/// directly; verification names the first row that no longer fits the chain.
@Suite("Store contract: audit tampering")
struct AuditTamperTests {
  /// A store holding `count` chained decisions, sequences 1…count.
  func withAuditedStore(
    _ backend: StoreBackend, count: Int,
    _ body: (any Store, RawDatabase) async throws -> Void
  ) async throws {
    try await backend.withStoreAndDatabase { store, database in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy())
      for index in 0..<count {
        let at = time("2026-11-26T12:00:00Z").addingTimeInterval(Double(index))
        _ = try await store.decide(
          marketingMessage("m\(index)"), engine: engine, at: at)
      }
      #expect(try await store.verifyAudit().intact)
      try await body(store, database)
    }
  }

  @Test("editing a decision's content is detected at that row", arguments: StoreBackend.available)
  func editedContent(backend: StoreBackend) async throws {
    try await withAuditedStore(backend, count: 4) { store, database in
      try await database.execute(
        "UPDATE decision SET content = replace(content, 'forwarded', 'blocked') WHERE sequence = 2"
      )
      let verification = try await store.verifyAudit()
      #expect(!verification.intact)
      #expect(verification.firstProblem?.sequence == 2)
      #expect(verification.firstProblem?.problem == "its content does not match its hash")
    }
  }

  @Test(
    "editing a filter column without the content is detected", arguments: StoreBackend.available)
  func editedColumn(backend: StoreBackend) async throws {
    try await withAuditedStore(backend, count: 3) { store, database in
      try await database.execute("UPDATE decision SET outcome = 'blocked' WHERE sequence = 3")
      let verification = try await store.verifyAudit()
      #expect(verification.firstProblem?.sequence == 3)
      #expect(verification.firstProblem?.problem == "its columns do not match its hashed content")
    }
  }

  @Test(
    "edited campaign or rule columns are detected, and the backfill restores them from content",
    arguments: StoreBackend.available)
  func editedFilterColumns(backend: StoreBackend) async throws {
    // A cap of 3: rows 4 and 5 are blocked by caps.weekly.
    try await withAuditedStore(backend, count: 5) { store, database in
      try await database.execute("UPDATE decision SET campaign_id = 'other' WHERE sequence = 2")
      #expect(try await store.verifyAudit().firstProblem?.sequence == 2)
      try await database.execute("UPDATE decision SET campaign_id = 'camp', rules = ''")
      #expect(try await store.verifyAudit().firstProblem?.sequence == 4)
      try await database.execute("UPDATE decision SET campaign_id = NULL")
      #expect(!(try await store.verifyAudit().intact))
      try await database.execute(
        backend == .sqlite
          ? AuditChain.sqliteFilterBackfillSQL : AuditChain.postgresFilterBackfillSQL)
      #expect(try await store.verifyAudit().intact)
      #expect(try await store.decisions(matching: DecisionQuery(campaignId: "camp")).count == 5)
      #expect(try await store.decisions(matching: DecisionQuery(rule: "caps.weekly")).count == 2)
    }
  }

  @Test("deleting a decision is detected at the row after it", arguments: StoreBackend.available)
  func deletedRow(backend: StoreBackend) async throws {
    try await withAuditedStore(backend, count: 4) { store, database in
      try await database.execute("DELETE FROM decision WHERE sequence = 2")
      let verification = try await store.verifyAudit()
      #expect(verification.firstProblem?.sequence == 3)
      #expect(
        verification.firstProblem?.problem.hasPrefix("its previous-hash does not match") == true)
    }
  }

  @Test("deleting the newest decision is detected", arguments: StoreBackend.available)
  func deletedNewestRow(backend: StoreBackend) async throws {
    try await withAuditedStore(backend, count: 3) { store, database in
      try await database.execute("DELETE FROM decision WHERE sequence = 3")
      let verification = try await store.verifyAudit()
      #expect(!verification.intact)
    }
  }

  @Test(
    "cutting off the newest rows together with the head record is detected",
    arguments: StoreBackend.available)
  func deletedHead(backend: StoreBackend) async throws {
    try await withAuditedStore(backend, count: 3) { store, database in
      try await database.execute("DELETE FROM audit_head")
      #expect(
        try await store.verifyAudit().firstProblem?.problem == "the log's recorded head is missing")
    }
  }

  @Test(
    "swapping two decisions' places is detected at the first", arguments: StoreBackend.available)
  func reorderedRows(backend: StoreBackend) async throws {
    try await withAuditedStore(backend, count: 4) { store, database in
      try await database.execute("UPDATE decision SET sequence = 100 WHERE sequence = 2")
      try await database.execute("UPDATE decision SET sequence = 2 WHERE sequence = 3")
      try await database.execute("UPDATE decision SET sequence = 3 WHERE sequence = 100")
      let verification = try await store.verifyAudit()
      #expect(verification.firstProblem?.sequence == 2)
    }
  }

  @Test(
    "rewriting a row with a fresh hash still breaks the chain after it",
    arguments: StoreBackend.available)
  func rehashedRow(backend: StoreBackend) async throws {
    try await withAuditedStore(backend, count: 3) { store, database in
      let previous = try await database.text(
        "SELECT previous_hash FROM decision WHERE sequence = 2")
      let content = try #require(
        try await database.text("SELECT content FROM decision WHERE sequence = 2")
      )
      .replacingOccurrences(of: #""campaign_id":"camp""#, with: #""campaign_id":"other""#)
      let hash = AuditChain.hash(content: content, previous: previous ?? "")
      let quoted = content.replacingOccurrences(of: "'", with: "''")
      try await database.execute(
        """
        UPDATE decision SET content = '\(quoted)', hash = '\(hash)', campaign_id = 'other'
        WHERE sequence = 2
        """)
      let verification = try await store.verifyAudit()
      #expect(verification.firstProblem?.sequence == 3)
    }
  }
}
