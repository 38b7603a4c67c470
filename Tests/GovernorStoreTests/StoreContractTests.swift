import Foundation
import GovernorCore
import GovernorStore
import Testing

/// What every backend must do. Each test runs once per backend.
@Suite("Store contract")
struct StoreContractTests {
  @Test(
    "a customer's profile, consent history and active suppressions read back",
    arguments: StoreBackend.available)
  func customerRoundTrip(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await store.saveCustomer(
        CustomerProfile(
          id: "c1", email: "ana@example.com", timeZone: "Europe/Madrid",
          frequencyPreference: FrequencyPreference(max: 1, window: .calendar(.week))))
      let granted = ConsentEvent(
        purpose: "marketing", status: .granted, kind: "implied_purchase",
        at: time("2025-03-01T09:12:00Z"), confirmedAt: time("2025-03-01T09:15:00Z"),
        source: "checkout", proof: "order 88812")
      try await store.recordConsent(granted, customerId: "c1")
      _ = try await store.addSuppression(
        Suppression(
          reason: .unsubscribed, scope: .category("newsletter"), at: time("2026-10-02T18:30:00Z"),
          source: "one-click"),
        customerId: "c1")

      let state = try #require(
        try await store.customerState("c1", sendsSince: time("2026-01-01T00:00:00Z")))
      #expect(state.email == "ana@example.com")
      #expect(state.timeZone?.identifier == "Europe/Madrid")
      #expect(state.frequencyPreference == FrequencyPreference(max: 1, window: .calendar(.week)))
      // Given with no address: for the one the customer had then.
      var forTheirAddress = granted
      forTheirAddress.address = "ana@example.com"
      #expect(state.consents == [forTheirAddress])
      #expect(state.suppressions.map(\.scope) == [.category("newsletter")])
      #expect(try await store.customerState("nobody", sendsSince: .distantPast) == nil)
    }
  }

  @Test(
    "consent events are appended, never replaced: the latest decides",
    arguments: StoreBackend.available)
  func consentAppendOnly(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      try await store.recordConsent(
        ConsentEvent(
          purpose: "marketing", status: .withdrawn, at: time("2026-06-01T00:00:00Z"),
          source: "preference-page"),
        customerId: "c1")
      let state = try #require(try await store.customerState("c1", sendsSince: .distantPast))
      #expect(state.consents.map(\.status) == [.granted, .withdrawn])
      #expect(state.latestConsent(for: "marketing")?.status == .withdrawn)
    }
  }

  @Test("lifting a suppression ends it but keeps its record", arguments: StoreBackend.available)
  func liftSuppression(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let id = try await store.addSuppression(
        Suppression(reason: .manual, at: time("2026-10-01T00:00:00Z"), source: "support"),
        customerId: "c1")
      #expect(
        try await store.liftSuppression(id: id, at: time("2026-10-05T00:00:00Z"), by: "support"))
      #expect(
        try await !store.liftSuppression(id: id, at: time("2026-10-06T00:00:00Z"), by: "support"))
      let state = try #require(try await store.customerState("c1", sendsSince: .distantPast))
      #expect(state.suppressions.isEmpty)
    }
  }

  @Test(
    "a decision takes its cap slot in the same step; the next one sees it",
    arguments: StoreBackend.available)
  func reservationsCountAgainstCaps(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 2))
      let now = time("2026-11-26T12:00:00Z")
      let first = try await store.decide(marketingMessage("m1"), engine: engine, at: now)
      let second = try await store.decide(
        marketingMessage("m2"), engine: engine, at: now.addingTimeInterval(60))
      let third = try await store.decide(
        marketingMessage("m3"), engine: engine, at: now.addingTimeInterval(120))
      #expect([first.reserved, second.reserved, third.reserved] == [true, true, false])
      #expect(third.decision?.outcome == .blocked)
      #expect(third.decision?.codes == ["cap_exceeded"])
      #expect(third.decision?.notBefore == time("2026-12-03T12:00:00Z"))
      #expect(try await store.ledger(status: .reserved).map(\.messageId) == ["m1", "m2"])
    }
  }

  @Test("the same message id is never reserved twice", arguments: StoreBackend.available)
  func idempotentReservation(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy())
      let now = time("2026-11-26T12:00:00Z")
      #expect(try await store.decide(marketingMessage("m1"), engine: engine, at: now).reserved)
      #expect(try await !store.decide(marketingMessage("m1"), engine: engine, at: now).reserved)
      #expect(try await store.ledger(status: .reserved).count == 1)
    }
  }

  @Test("a blocked message takes no slot", arguments: StoreBackend.available)
  func blockedTakesNoSlot(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await store.saveCustomer(CustomerProfile(id: "c1"))
      let reservation = try await store.decide(
        marketingMessage("m1"), engine: Engine(policy: try weeklyCapPolicy()),
        at: time("2026-11-26T12:00:00Z"))
      #expect(!reservation.reserved)
      #expect(reservation.decision?.codes == ["consent_missing"])
      #expect(try await store.ledger(status: .reserved).isEmpty)
    }
  }

  @Test("sent keeps the slot; failed releases it", arguments: StoreBackend.available)
  func completion(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 1))
      let now = time("2026-11-26T12:00:00Z")
      _ = try await store.decide(marketingMessage("m1"), engine: engine, at: now)
      try await store.completeReservation(
        messageId: "m1", outcome: .failed, at: now, detail: "HTTP 500")
      #expect(try await store.decide(marketingMessage("m2"), engine: engine, at: now).reserved)
      try await store.completeReservation(messageId: "m2", outcome: .sent, at: now, detail: nil)
      #expect(try await !store.decide(marketingMessage("m3"), engine: engine, at: now).reserved)
      #expect(try await store.ledger(status: .failed).first?.detail == "HTTP 500")
      await #expect(throws: StoreError.unknownReservation("nope")) {
        try await store.completeReservation(messageId: "nope", outcome: .sent, at: now, detail: nil)
      }
    }
  }

  @Test(
    "after a crash, reservations with no outcome become unknown and still count",
    arguments: StoreBackend.available)
  func recovery(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 2))
      let now = time("2026-11-26T12:00:00Z")
      _ = try await store.decide(marketingMessage("m1"), engine: engine, at: now)
      // m0 is still being forwarded by a live process: newer than the cutoff, it is left alone.
      _ = try await store.decide(marketingMessage("m0"), engine: engine, at: now + 20)
      let recovered = try await store.recoverUnfinishedReservations(
        reservedBefore: now + 10, at: now + 30)
      #expect(recovered.map(\.messageId) == ["m1"])
      #expect(try await store.ledger(status: .reserved).map(\.messageId) == ["m0"])
      #expect(recovered.map(\.status) == [.unknown])
      #expect(try await store.ledger(status: .unknown).map(\.messageId) == ["m1"])
      #expect(
        try await !store.decide(
          marketingMessage("m2"), engine: engine, at: now.addingTimeInterval(60)
        ).reserved)
    }
  }

  @Test(
    "200 concurrent decisions against a cap of 3: exactly 3 take a slot",
    arguments: StoreBackend.available)
  func noOvershootUnderConcurrency(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 3))
      let now = time("2026-11-26T12:00:00Z")
      let reserved = try await withThrowingTaskGroup(of: Bool.self) { group in
        for index in 0..<200 {
          group.addTask {
            try await store.decide(marketingMessage("m\(index)"), engine: engine, at: now).reserved
          }
        }
        return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
      }
      #expect(reserved == 3)
      #expect(try await store.ledger(status: .reserved).count == 3)
    }
  }

  @Test(
    "decide reserves and records in one step; concurrent duplicates get one slot and one row",
    arguments: StoreBackend.available)
  func decideOnce(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 3))
      let at = time("2026-11-26T12:00:00Z")
      let results = try await withThrowingTaskGroup(of: DecidedMessage.self) { group in
        for _ in 0..<20 {
          group.addTask { try await store.decide(marketingMessage("dup"), engine: engine, at: at) }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(results.filter(\.reserved).count == 1)
      #expect(results.filter { $0.decision != nil }.count == 1)
      #expect(Set(results.map(\.entry.id)).count == 1)
      #expect(try await store.ledger(status: .reserved).map(\.messageId) == ["dup"])
      #expect(try await store.verifyAudit().rows == 1)
      // Decided once, the id stays decided: a later call reserves nothing, even if allowed.
      let later = try await store.decide(marketingMessage("dup"), engine: engine, at: at + 60)
      #expect(later.decision == nil && !later.reserved)
      #expect(try await store.ledger(status: .reserved).count == 1)
    }
  }

  @Test(
    "concurrent first decisions for one message id leave exactly one row",
    arguments: StoreBackend.available)
  func firstDecisionOnce(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 1))
      let at = time("2026-11-26T12:00:00Z")
      _ = try await store.decide(marketingMessage("first"), engine: engine, at: at)
      let decided = try await withThrowingTaskGroup(of: Decision?.self) { group in
        for _ in 0..<30 {
          group.addTask {
            try await store.decide(marketingMessage("dup"), engine: engine, at: at).decision
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      let fresh = decided.compactMap { $0 }.count
      let decision = try #require(decided.compactMap { $0 }.first)
      #expect(decision.outcome == .blocked)
      #expect(fresh == 1)
      #expect(try await store.verifyAudit().rows == 2)
      // A later decision for the same message (a deferred send released) is still appended.
      try await store.holdDeferred(marketingMessage("dup"), releaseAt: at + 60, at: at)
      let released = try await store.release(messageId: "dup", engine: engine, at: at + 60)
      #expect(released?.decided.entry.messageId == "dup")
      #expect(try await store.verifyAudit().rows == 3)
    }
  }

  @Test(
    "the audit log chains every decision and verifies intact", arguments: StoreBackend.available)
  func auditChain(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 1))
      var previous = AuditChain.genesis
      for index in 0..<5 {
        let at = time("2026-11-26T12:00:00Z").addingTimeInterval(Double(index))
        let entry = try await store.decide(
          marketingMessage("m\(index)"), engine: engine, at: at
        ).entry
        #expect(entry.previousHash == previous)
        #expect(entry.hash == AuditChain.hash(content: entry.content, previous: previous))
        previous = entry.hash
      }
      let verification = try await store.verifyAudit()
      #expect(verification.rows == 5)
      #expect(verification.intact)
      let found = try await store.decision(messageId: "m3")
      #expect(found?.messageId == "m3")
      #expect(found?.outcome == .blocked)
      #expect(try await store.decision(messageId: "never-sent") == nil)
    }
  }

  @Test("every policy text is kept by its version", arguments: StoreBackend.available)
  func policyTexts(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await store.savePolicyText(
        "name: a\n", name: "a", version: "sha256:aa", at: time("2026-11-01T00:00:00Z"))
      try await store.savePolicyText(
        "name: a\n", name: "a", version: "sha256:aa", at: time("2026-11-02T00:00:00Z"))
      #expect(try await store.policyText(version: "sha256:aa") == "name: a\n")
      #expect(try await store.policyText(version: "sha256:bb") == nil)
    }
  }
}

@Suite("Store contract: pruning")
struct StorePruningTests {
  @Test(
    "pruning drops finished sends older than the cutoff and keeps what needs review",
    arguments: StoreBackend.available)
  func prune(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try weeklyCapPolicy(max: 10))
      let old = time("2026-09-01T12:00:00Z")
      for (id, outcome) in [("sent", LedgerStatus.sent), ("failed", .failed), ("open", .reserved)] {
        _ = try await store.decide(marketingMessage(id), engine: engine, at: old)
        if outcome != .reserved {
          try await store.completeReservation(messageId: id, outcome: outcome, at: old, detail: nil)
        }
      }
      _ = try await store.decide(
        marketingMessage("recent"), engine: engine, at: time("2026-11-26T12:00:00Z"))
      try await store.completeReservation(
        messageId: "recent", outcome: .sent, at: time("2026-11-26T12:00:00Z"), detail: nil)

      let cutoff = time("2026-11-26T12:00:00Z").addingTimeInterval(-engine.longestWindow)
      #expect(engine.longestWindow == 7 * 86_400)
      #expect(try await store.pruneLedger(reservedBefore: cutoff) == 2)
      #expect(try await store.ledger(status: .sent).map(\.messageId) == ["recent"])
      #expect(try await store.ledger(status: .failed).isEmpty)
      #expect(try await store.ledger(status: .reserved).map(\.messageId) == ["open"])
    }
  }

  @Test(
    "the customers' own preference windows are listed once each", arguments: StoreBackend.available)
  func preferenceWindows(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let weekly = FrequencyPreference(max: 1, window: .calendar(.week))
      let ninetyDays = FrequencyPreference(max: 2, window: .rolling(seconds: 90 * 86_400))
      for (id, preference) in [("a", weekly), ("b", ninetyDays), ("c", weekly), ("d", nil)] {
        try await store.saveCustomer(CustomerProfile(id: id, frequencyPreference: preference))
      }
      let windows = try await store.preferenceWindows()
      #expect(windows.count == 2)
      #expect(Set(windows) == [.calendar(.week), .rolling(seconds: 90 * 86_400)])
    }
  }
}

@Suite("Store contract: API keys")
struct StoreAPIKeyTests {
  @Test(
    "a key's record reads back by id; an unknown id finds nothing",
    arguments: StoreBackend.available)
  func roundTrip(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let record = APIKeyRecord(
        id: "a1b2c3", name: "campaign tool", scopes: ["send", "dry-run"],
        secretHash: String(repeating: "ab", count: 32), createdAt: time("2026-11-22T10:00:00Z"))
      try await store.saveAPIKey(record)
      #expect(try await store.apiKey(id: "a1b2c3") == record)
      #expect(try await store.apiKey(id: "nope") == nil)
    }
  }
}

@Suite("Store contract: records before the profile")
struct StoreEarlyRecordTests {
  @Test(
    "consent recorded before any profile counts at the next decision",
    arguments: StoreBackend.available)
  func consentFirst(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await store.recordConsent(
        ConsentEvent(
          purpose: "marketing", status: .granted, at: time("2026-01-01T00:00:00Z"),
          source: "signup"),
        customerId: "new")
      let engine = Engine(policy: try weeklyCapPolicy())
      let reservation = try await store.decide(
        marketingMessage("m1", customer: "new"), engine: engine, at: time("2026-11-26T12:00:00Z"))
      #expect(reservation.decision?.outcome == .forwarded)
      #expect(try await store.customerState("new", sendsSince: .distantPast)?.consents.count == 1)
    }
  }
}
