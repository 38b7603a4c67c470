import Foundation
import GovernorCore
import GovernorStore
import ServiceFixtures
import Testing

@Suite("Reputation brakes in dry-runs and replays")
struct ReputationReplayTests {
  static func brakePolicy(scope: String) throws -> Policy {
    try ServiceFixture.consentOnlyPolicy(
      name: "brake",
      extra: """
        reputation:
          min_delivered: 2000
          scope: [\(scope)]
          complaints:
            steps:
              - {at: 0.3%, action: pause}
        """)
  }

  static func lenientPolicy() throws -> Policy {
    try ServiceFixture.consentOnlyPolicy(name: "plain")
  }

  @Test(
    "a replay brakes each decision by its day's rates, by its From domain and by its campaign",
    arguments: StoreBackend.available, ["sending_domain", "campaign"])
  func replayBrakes(backend: StoreBackend, scope: String) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let now = time("2026-12-01T12:00:00Z")
      var message = addressedMessage("bf-1", to: "c1@example.com")
      message.campaignId = "bf26"
      let decided = try await store.decide(
        message, engine: Engine(policy: try Self.lenientPolicy()), at: now)
      #expect(decided.decision?.outcome == .forwarded)
      let entry = try #require(try await store.decision(messageId: "bf-1"))
      #expect(entry.sendingDomain == "shop.example")

      let bad = DeliveryCount(
        day: "2026-12-01", sendingDomain: "shop.example", campaignId: "bf26",
        recipientDomain: "example.com", delivered: 10_000, hardBounced: 0, complained: 30)
      let export = try await store.exportCustomer("c1")
      var braked = PolicyReplay(
        engine: Engine(policy: try Self.brakePolicy(scope: scope)), deliveryCounts: [bad])
      braked.replay(entry, customer: export)
      #expect(braked.report.flips == ["forwarded → blocked": 1])
      #expect(braked.report.rules["reputation.complaints"]?.held == 1)

      // The same rates on another day brake nothing that day.
      var later = bad
      later.day = "2026-11-20"
      var calm = PolicyReplay(
        engine: Engine(policy: try Self.brakePolicy(scope: scope)), deliveryCounts: [later])
      calm.replay(entry, customer: export)
      #expect(calm.report.flips.isEmpty)
    }
  }

  @Test(
    "a dry-run meets the brakes the store's counts hold on now", arguments: StoreBackend.available)
  func dryRunSeesBrakes(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let policy = try PolicyLoader.load(
        Data(
          (try Self.brakePolicy(scope: "campaign")).text.replacingOccurrences(
            of: "min_delivered: 2000", with: "min_delivered: 2"
          ).utf8), file: "brake.yaml"
      ).get()
      let now = time("2026-12-01T12:00:00Z")
      var engine = Engine(policy: policy)
      for id in ["bf-1", "bf-2"] {
        var message = addressedMessage(
          id, customer: "r-\(id)", to: "\(id)@example.com", category: "transactional")
        message.campaignId = "bf26"
        _ = try await store.decide(message, engine: engine, at: now)
        try await store.completeReservation(messageId: id, outcome: .sent, at: now, detail: nil)
        _ = try await store.count(
          DeliveryReport(
            key: "d-\(id)", provider: "ses", outcome: .delivered, messageId: id,
            email: "\(id)@example.com", at: now), at: now)
      }
      #expect(try await store.reputationBook(for: policy, at: now).brakes.isEmpty)
      _ = try await store.count(
        DeliveryReport(
          key: "c-1", provider: "ses", outcome: .complained, messageId: "bf-1",
          email: "bf-1@example.com", at: now), at: now)
      engine.reputation = try await store.reputationBook(for: policy, at: now)
      var offer = addressedMessage("offer", to: "c1@example.com")
      offer.campaignId = "bf26"
      let decision = engine.evaluate(
        offer, for: CustomerState(customerId: "c1", email: "c1@example.com"), at: now)
      #expect(decision.reasons.map(\.code).contains("reputation_paused"))
    }
  }
}

@Suite("Opt-outs the compliance report judges")
struct OptOutAuditTests {
  @Test("a withdrawn marketing consent is an opt-out; a withdrawn tracking consent is not")
  func onlyMailPurposes() async throws {
    try await StoreBackend.sqlite.withStore { store in
      let withTracking = try PolicyLoader.load(
        Data(
          """
          name: purposes
          consent:
            purposes: {marketing: {}, tracking: {}}
          categories:
            marketing: {consent: [marketing]}
          tracking: {consent_purpose: tracking}
          """.utf8), file: "purposes.yaml"
      ).get()
      let now = time("2026-12-01T12:00:00Z")
      let validator = RecordValidator(policy: withTracking)
      try await store.saveCustomer(
        validator.profile(CustomerProfile(id: "c1", email: "c1@example.com", timeZone: "UTC")))
      for purpose in ["marketing", "tracking"] {
        try await store.recordConsent(
          validator.consent(
            ConsentEvent(purpose: purpose, status: .withdrawn, at: now, source: "preference page"),
            now: now),
          customerId: "c1")
      }
      let export = try #require(try await store.exportCustomer("c1"))
      let findings = OptOutAudit(engine: Engine(policy: withTracking), calendars: [])
        .findings(export, since: now - 86_400)
      #expect(findings.map(\.scope) == ["marketing"])
    }
  }
}
