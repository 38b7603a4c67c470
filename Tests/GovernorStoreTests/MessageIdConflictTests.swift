import Foundation
import GovernorCore
import GovernorStore
import TestDatabases
import Testing

/// A message id is the campaign tool's idempotency key: the same message again is a retry,
/// answered with the first decision; another message under the same id is refused.
@Suite("Store contract: a message id reused for another message")
struct MessageIdConflictTests {
  func receipt(_ id: String, customer: String = "c1", text: String = "Your order shipped.")
    -> Message
  {
    Message(
      id: id, customerId: customer, to: "\(customer)@example.com", from: "shop@shop.example",
      subject: "Your order", text: text, category: "transactional")
  }

  /// Decisions and ledger rows held under `messageId`: what a refused message must not add.
  func rows(_ database: RawDatabase, _ messageId: String) async throws -> String {
    let decisions =
      try await database.text("SELECT count(*) FROM decision WHERE message_id = '\(messageId)'")
      ?? "?"
    let ledger =
      try await database.text("SELECT count(*) FROM send_ledger WHERE message_id = '\(messageId)'")
      ?? "?"
    return "\(decisions) decisions, \(ledger) ledger"
  }

  @Test(
    "the same message again is a repeat; another customer or another body under the id is refused",
    arguments: StoreBackend.available)
  func reusedIds(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      let engine = Engine(policy: try weeklyCapPolicy())
      let now = time("2026-12-01T12:00:00Z")
      let first = try await store.decide(receipt("same-id"), engine: engine, at: now)
      let decision = try #require(first.decision)
      #expect(decision.outcome == .forwarded)
      #expect(first.entry.fingerprint == receipt("same-id").fingerprint)

      var retry = receipt("same-id")
      retry.receivedAt = now.addingTimeInterval(30)  // the governor's stamp, not the message
      let repeated = try await store.decide(retry, engine: engine, at: now.addingTimeInterval(30))
      #expect(repeated.decision == nil)
      #expect(repeated.entry == first.entry)

      for other in [
        receipt("same-id", customer: "c2"), receipt("same-id", text: "Your order was cancelled."),
      ] {
        let error = await #expect(throws: MessageIdConflict.self) {
          try await store.decide(other, engine: engine, at: now.addingTimeInterval(60))
        }
        #expect(error == MessageIdConflict(messageId: "same-id", decisionId: first.entry.id))
      }
      #expect(try await rows(database, "same-id") == "1 decisions, 1 ledger")
      #expect(try await store.exportCustomer("c2") == nil)
      #expect(try await store.verifyAudit().intact)
    }
  }

  @Test(
    "decisions written before fingerprints were kept answer every repeat, as they did",
    arguments: StoreBackend.available)
  func legacyRows(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      let engine = Engine(policy: try weeklyCapPolicy())
      let now = time("2026-12-01T12:00:00Z")
      let first = try await store.decide(receipt("old-id"), engine: engine, at: now)
      try await database.execute("UPDATE decision SET fingerprint = NULL")
      let other = try await store.decide(
        receipt("old-id", customer: "c2"), engine: engine, at: now)
      #expect(other.decision == nil)
      #expect(other.entry.id == first.entry.id)
    }
  }

  @Test(
    "the fingerprint outlives the process: a reopened store refuses the reused id",
    arguments: StoreBackend.available)
  func acrossRestart(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      let engine = Engine(policy: try weeklyCapPolicy())
      let now = time("2026-12-01T12:00:00Z")
      let first = try await store.decide(receipt("kept-id"), engine: engine, at: now)
      func reopened(_ body: (any Store) async throws -> Void) async throws {
        switch database {
        case .sqlite(let path): try await body(SQLiteStore(path: path))
        case .postgres(let url): try await PostgresStore.withStore(url: url) { try await body($0) }
        }
      }
      try await reopened { again in
        let repeated = try await again.decide(receipt("kept-id"), engine: engine, at: now)
        #expect(repeated.decision == nil)
        await #expect(throws: MessageIdConflict(messageId: "kept-id", decisionId: first.entry.id)) {
          try await again.decide(receipt("kept-id", customer: "c9"), engine: engine, at: now)
        }
      }
    }
  }

  @Test(
    "racing duplicates with different bodies: one is decided, every other is refused",
    arguments: StoreBackend.available)
  func racing(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      let engine = Engine(policy: try weeklyCapPolicy())
      let now = time("2026-12-01T12:00:00Z")
      // Different customers, so on PostgreSQL no customer lock orders them: only the
      // audit log's first-only append does.
      let outcomes = await withTaskGroup(of: String.self) { group in
        for index in 0..<8 {
          group.addTask {
            do {
              let decided = try await store.decide(
                receipt("race-id", customer: "r\(index)", text: "Body \(index)"), engine: engine,
                at: now)
              return decided.decision == nil ? "repeat" : "decided"
            } catch is MessageIdConflict {
              return "refused"
            } catch {
              return "error: \(error)"
            }
          }
        }
        var all: [String] = []
        for await outcome in group { all.append(outcome) }
        return all.sorted()
      }
      #expect(outcomes == ["decided"] + Array(repeating: "refused", count: 7))
      #expect(try await rows(database, "race-id") == "1 decisions, 1 ledger")
      #expect(try await store.verifyAudit().intact)
    }
  }
}
