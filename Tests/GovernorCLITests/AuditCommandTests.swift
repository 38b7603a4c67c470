import Foundation
import GovernorCore
import GovernorStore
import Testing

@Suite("governor audit verify")
struct AuditCommandTests {
  /// A store with three decisions in its audit log; its `--store` value.
  func auditedStore(_ kind: CLIStore) async throws -> String {
    let engine = Engine(policy: try GovernorBinary.shippedPolicy("default"))
    return try await kind.prepared { store in
      for index in 0..<3 {
        let message = Message(
          id: "m\(index)", customerId: "c1", to: "c1@example.com", from: "f@example.com",
          subject: "s", category: "transactional")
        _ = try await store.decide(message, engine: engine, at: Date())
      }
    }
  }

  @Test(
    "an intact log exits 0 and says how many decisions it checked", arguments: CLIStore.available)
  func intact(kind: CLIStore) async throws {
    let run = try await GovernorBinary.run(
      "audit", "verify", "--store", try await auditedStore(kind))
    #expect(run.status == 0)
    #expect(run.stdoutLines == ["audit log intact: 3 decisions"])
  }

  @Test("an edited log exits 1 and names the first broken decision", arguments: CLIStore.available)
  func tampered(kind: CLIStore) async throws {
    let location = try await auditedStore(kind)
    try await kind.raw(location).execute(
      "UPDATE decision SET content = content || ' ' WHERE sequence = 2")
    let run = try await GovernorBinary.run("audit", "verify", "--store", location)
    #expect(run.status == 1)
    #expect(
      run.stderrLines == [
        "audit log broken at decision #2 of 3: its content does not match its hash"
      ])
  }

  @Test(
    "the brake log is verified beside the decisions, and an edit to it is named",
    arguments: CLIStore.available)
  func brakeLog(kind: CLIStore) async throws {
    let policy = try GovernorBinary.shippedPolicy("default")
    let now = Date()
    let location = try await kind.prepared { store in
      let book = try ReputationAssessment(policy: #require(policy.reputation)).assess(
        [
          DeliveryCount(
            day: DeliveryCount.day(of: now), sendingDomain: "shop.example", campaignId: "",
            recipientDomain: "example.com", delivered: 10_000, hardBounced: 0, complained: 40)
        ], at: now)
      _ = try await store.recordBrakes(book, policyVersion: policy.version, at: now)
    }
    let run = try await GovernorBinary.run("audit", "verify", "--store", location)
    #expect(run.stdoutLines == ["audit log intact: 0 decisions", "brake log intact: 1 change"])
    try await kind.raw(location).execute(
      "UPDATE brake_change SET content = replace(content, 'pause', 'none')")
    let broken = try await GovernorBinary.run("audit", "verify", "--store", location)
    #expect(broken.status == 1)
    #expect(
      broken.stderrLines == [
        "brake log broken at change #1 of 1: its content does not match its hash"
      ])
  }

  @Test("a new store verifies as an empty, intact log", arguments: CLIStore.available)
  func emptyStore(kind: CLIStore) async throws {
    let run = try await GovernorBinary.run("audit", "verify", "--store", try kind.freshLocation())
    #expect(run.status == 0)
    #expect(run.stdoutLines == ["audit log intact: 0 decisions"])
  }
}
