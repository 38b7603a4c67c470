import Foundation
import GRDB
import GovernorCore
import GovernorStore
import Testing

@Suite("governor audit verify")
struct AuditCommandTests {
  /// A store with three decisions in its audit log.
  func auditedStore() async throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("audit-cli-\(UUID().uuidString)/governor.sqlite").path
    let store = try SQLiteStore(path: path)
    let policy = try GovernorBinary.shippedPolicy("default")
    let engine = Engine(policy: policy)
    for index in 0..<3 {
      let message = Message(
        id: "m\(index)", customerId: "c1", to: "c1@example.com", from: "f@example.com",
        subject: "s", category: "transactional")
      let reservation = try await store.reserve(message, engine: engine, at: Date())
      _ = try await store.appendDecision(reservation.decision, campaignId: nil, at: Date())
    }
    return path
  }

  @Test("an intact log exits 0 and says how many decisions it checked")
  func intact() async throws {
    let run = try GovernorBinary.run("audit", "verify", "--store", try await auditedStore())
    #expect(run.status == 0)
    #expect(run.stdoutLines == ["audit log intact: 3 decisions"])
  }

  @Test("an edited log exits 1 and names the first broken decision")
  func tampered() async throws {
    let path = try await auditedStore()
    try await DatabaseQueue(path: path).write { db in
      try db.execute(sql: "UPDATE decision SET content = content || ' ' WHERE sequence = 2")
    }
    let run = try GovernorBinary.run("audit", "verify", "--store", path)
    #expect(run.status == 1)
    #expect(
      run.stderrLines == [
        "audit log broken at decision #2 of 3: its content does not match its hash"
      ])
  }

  @Test("a new store verifies as an empty, intact log")
  func emptyStore() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("audit-cli-\(UUID().uuidString)/governor.sqlite").path
    let run = try GovernorBinary.run("audit", "verify", "--store", path)
    #expect(run.status == 0)
    #expect(run.stdoutLines == ["audit log intact: 0 decisions"])
  }
}
