import Foundation
import GovernorCore
import GovernorStore
import ServiceFixtures
import Testing

@Suite("The brake log")
struct BrakeLogTests {
  static func book(complaints: Int, at now: Date) throws -> ReputationBook {
    let policy = try ServiceFixture.consentOnlyPolicy(
      name: "brake",
      extra: """
        reputation:
          min_delivered: 2000
          complaints:
            steps:
              - {at: 0.1%, action: throttle, keep: 50%}
              - {at: 0.3%, action: pause}
        """)
    return try ReputationAssessment(policy: #require(policy.reputation)).assess(
      [
        DeliveryCount(
          day: DeliveryCount.day(of: now), sendingDomain: "shop.example", campaignId: "bf26",
          recipientDomain: "example.com", delivered: 10_000, hardBounced: 0,
          complained: complaints)
      ], at: now)
  }

  @Test(
    "each change is recorded once, however many gateways see it, hash-chained",
    arguments: StoreBackend.available)
  func changesRecordedOnce(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      let now = time("2026-12-01T12:00:00Z")
      #expect(try await store.recordBrakes(.empty, policyVersion: "sha256:p", at: now).isEmpty)
      let throttled = try Self.book(complaints: 15, at: now)
      let first = try await store.recordBrakes(throttled, policyVersion: "sha256:p", at: now)
      #expect(
        first.map(\.sentence) == [
          "complaints on sending domain shop.example: none → throttle 50% at 0.15% (15 of 10000) "
            + "≥ 0.1%"
        ])
      // A second gateway with the same book records nothing more.
      #expect(try await store.recordBrakes(throttled, policyVersion: "sha256:p", at: now).isEmpty)
      let paused = try Self.book(complaints: 40, at: now + 60)
      #expect(
        try await store.recordBrakes(paused, policyVersion: "sha256:p", at: now + 60).map {
          "\($0.from) → \($0.to)"
        } == ["throttle 50% → pause"])
      // Released: the rates' days left the history.
      let later = now + 40 * 86_400
      #expect(
        try await store.recordBrakes(
          ReputationBook(assessedAt: later), policyVersion: "sha256:p", at: later
        ).map { "\($0.from) → \($0.to)" } == ["pause → none"])
      let listed = try await store.brakeChanges(since: now)
      #expect(listed.map(\.to) == ["none", "pause", "throttle 50%"])
      #expect(listed.last?.at == now)
      #expect(try await store.verifyBrakeLog().intact)
      #expect(try await store.verifyBrakeLog().rows == 3)

      try await database.execute(
        "UPDATE brake_change SET content = replace(content, '\"pause\"', '\"none\"') "
          + "WHERE sequence = 2")
      let broken = try await store.verifyBrakeLog()
      #expect(broken.firstProblem?.sequence == 2)
      #expect(broken.firstProblem?.problem == "its content does not match its hash")
    }
  }
}
