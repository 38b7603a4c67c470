import Foundation
import GovernorCore
import GovernorStore
import Testing

/// The deferred queue, export and erasure, on every backend.
@Suite("Store contract: deferred queue and customer data")
struct StoreCustomerDataTests {
  @Test(
    "held messages come back when due, earliest first, with their whole content",
    arguments: StoreBackend.available)
  func deferredQueue(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let heldAt = time("2026-11-27T21:30:00Z")
      var late = marketingMessage("late")
      late.html = "<p>Black Friday</p>"
      late.headers = ["X-Campaign": "bf26"]
      late.receivedAt = heldAt
      try await store.holdDeferred(late, releaseAt: time("2026-11-28T09:00:00Z"), at: heldAt)
      try await store.holdDeferred(
        marketingMessage("early"), releaseAt: time("2026-11-28T07:00:00Z"), at: heldAt)

      #expect(try await store.dueDeferred(at: time("2026-11-28T06:59:59Z"), limit: 10).isEmpty)
      let due = try await store.dueDeferred(at: time("2026-11-28T09:00:00Z"), limit: 10)
      #expect(due.map(\.message.id) == ["early", "late"])
      #expect(due.last?.message == late)
      #expect(due.last?.heldAt == heldAt)
      #expect(try await store.dueDeferred(at: time("2026-11-28T09:00:00Z"), limit: 1).count == 1)

      // Held again: the release time moves, the message is not duplicated.
      try await store.holdDeferred(late, releaseAt: time("2026-11-29T09:00:00Z"), at: heldAt)
      #expect(
        try await store.dueDeferred(at: time("2026-11-28T12:00:00Z"), limit: 10).map(\.message.id)
          == ["early"])
      #expect(try await store.removeDeferred(messageId: "early"))
      #expect(try await !store.removeDeferred(messageId: "early"))
    }
  }

  @Test(
    "an export holds the profile, every consent, lifted suppressions, sends and decisions",
    arguments: StoreBackend.available)
  func export(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let lifted = try await store.addSuppression(
        Suppression(reason: .manual, at: time("2026-10-01T00:00:00Z"), source: "support"),
        customerId: "c1")
      _ = try await store.liftSuppression(
        id: lifted, at: time("2026-10-02T00:00:00Z"), by: "support")
      let engine = Engine(policy: try weeklyCapPolicy())
      _ = try await store.decide(
        marketingMessage("m1"), engine: engine, at: time("2026-11-26T12:00:00Z"))

      let export = try #require(try await store.exportCustomer("c1"))
      #expect(export.profile.email == "c1@example.com")
      #expect(export.consents.first?.proof == "checkbox on /signup")
      #expect(export.suppressions.map(\.liftedBy) == ["support"])
      #expect(export.sends.map(\.messageId) == ["m1"])
      #expect(export.decisions.count == 1)
      #expect(export.decisions.first?.contains(#""message_id":"m1""#) == true)
      #expect(try await store.exportCustomer("nobody") == nil)
    }
  }

  @Test(
    "erasure removes the customer's data and leaves the audit chain intact",
    arguments: StoreBackend.available)
  func erasure(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      try await consentingCustomer(store, id: "c2")
      let engine = Engine(policy: try weeklyCapPolicy())
      for customer in ["c1", "c2"] {
        _ = try await store.decide(
          marketingMessage("m-\(customer)", customer: customer), engine: engine,
          at: time("2026-11-26T12:00:00Z"))
      }
      try await store.holdDeferred(
        marketingMessage("held", customer: "c1"), releaseAt: time("2026-11-27T08:00:00Z"),
        at: time("2026-11-26T22:00:00Z"))

      #expect(try await store.eraseCustomer("c1"))
      #expect(try await store.customerState("c1", sendsSince: .distantPast) == nil)
      #expect(try await store.exportCustomer("c1") == nil)
      #expect(try await store.ledger(status: .reserved).map(\.customerId) == ["c2"])
      #expect(try await store.dueDeferred(at: time("2026-11-28T00:00:00Z"), limit: 10).isEmpty)
      #expect(try await store.customerState("c2", sendsSince: .distantPast) != nil)
      #expect(try await store.verifyAudit().intact)
      // Compliance still finds the erased customer's decisions by the key they hold, and
      // nothing in them identifies the person.
      let kept = try await store.decisions(customerId: "c1")
      #expect(kept.map(\.messageId) == ["m-c1"])
      #expect(kept.allSatisfy { !$0.content.contains("@example.com") })
      #expect(try await !store.eraseCustomer("c1"))
    }
  }
}

@Suite("Store contract: bad data")
struct StoreBadDataTests {
  @Test(
    "bad records are refused before the store; what was accepted before is kept",
    arguments: StoreBackend.available)
  func refusedNotStored(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let validator = RecordValidator(policy: try weeklyCapPolicy())
      let now = time("2026-11-22T12:00:00Z")
      let refused: [() throws -> Void] = [
        {
          _ = try validator.consent(
            ConsentEvent(purpose: "sms", status: .granted, at: now, source: "form"), now: now)
        },
        { _ = try validator.suppression(Suppression(reason: .manual, at: now + 86_400), now: now) },
        {
          _ = try RecordDecoding.decode(
            Suppression.self, from: Data(#"{"at": "2026-11-22T11:00:00Z"}"#.utf8))
        },
      ]
      var fields: [String] = []
      for attempt in refused {
        #expect(throws: InvalidRecord.self) { try attempt() }
        do { try attempt() } catch let error as InvalidRecord {
          fields += error.problems.map(\.field)
        }
      }
      #expect(fields == ["purpose", "at", "reason"])
      let state = try #require(try await store.customerState("c1", sendsSince: .distantPast))
      #expect(state.consents.map(\.purpose) == ["marketing"])
      #expect(state.suppressions.isEmpty)
    }
  }
}
