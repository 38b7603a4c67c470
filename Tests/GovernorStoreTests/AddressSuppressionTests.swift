import Foundation
import GovernorCore
import GovernorStore
import TestDatabases
import Testing

/// An unsubscribe, a hard bounce or a complaint holds for the address it was recorded for,
/// under any customer id: duplicate profiles must not reopen it.
@Suite("Store contract: suppressions hold for the address")
struct AddressSuppressionTests {
  @Test(
    "a suppression under one id blocks the same address under another, in any letter case",
    arguments: StoreBackend.available)
  func blocksTheAddress(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try optOutPolicy())
      let now = time("2026-12-01T12:00:00Z")
      try await store.saveCustomer(CustomerProfile(id: "c-a", email: "Unsub@Example.com"))
      _ = try await store.addSuppression(
        Suppression(reason: .unsubscribed, at: time("2026-11-01T00:00:00Z"), source: "one-click"),
        customerId: "c-a")
      try await store.saveCustomer(CustomerProfile(id: "c-bounced", email: "gone@example.org"))
      _ = try await store.addSuppression(
        Suppression(reason: .hardBounce, at: time("2026-11-02T00:00:00Z"), source: "ses"),
        customerId: "c-bounced")

      let marketing = try #require(
        try await store.decide(
          addressedMessage("m1", customer: "c-b", to: "unsub@example.COM"), engine: engine, at: now
        ).decision)
      #expect(marketing.outcome == .blocked)
      let reason = try #require(marketing.reasons.first)
      #expect(reason.rule == "suppression.unsubscribed")
      #expect(reason.facts["recorded_for"] == .text("c-a"))
      #expect(reason.message.contains("recorded for customer c-a"))
      #expect(!reason.message.contains("example.com"))
      // An unsubscribe never stopped transactional mail to the address; a hard bounce does.
      let receipt = try await store.decide(
        addressedMessage("m2", customer: "c-b", to: "unsub@example.com", category: "transactional"),
        engine: engine, at: now)
      #expect(receipt.decision?.outcome == .forwarded)
      let bounced = try await store.decide(
        addressedMessage(
          "m3", customer: "c-guest", to: "GONE@example.org", category: "transactional"),
        engine: engine, at: now)
      #expect(bounced.decision?.reasons.map(\.rule) == ["suppression.hard_bounce"])
      // The customer it was recorded for stays suppressed at any address.
      let moved = try await store.decide(
        addressedMessage("m4", customer: "c-a", to: "new@example.net"), engine: engine, at: now)
      #expect(moved.decision?.outcome == .blocked)
    }
  }

  @Test(
    "a provider's bounce holds for the address it named, even where the profile has another",
    arguments: StoreBackend.available)
  func eventAddress(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try optOutPolicy())
      try await store.saveCustomer(CustomerProfile(id: "c-a", email: "current@example.com"))
      let bounce = try RecordValidator(policy: optOutPolicy()).suppression(
        Suppression(reason: .hardBounce, at: time("2026-11-01T00:00:00Z"), source: "sendgrid"),
        now: time("2026-11-01T00:00:00Z"))
      let change = try await store.suppressOnce(
        bounce, customerId: "c-a", eventKey: "sg:1 c-a", address: "Old@Example.com")
      #expect(change.changed)
      let decided = try await store.decide(
        addressedMessage("m1", customer: "c-b", to: "old@example.com", category: "transactional"),
        engine: engine, at: time("2026-12-01T12:00:00Z"))
      #expect(decided.decision?.reasons.map(\.rule) == ["suppression.hard_bounce"])
    }
  }

  @Test(
    "lifting a suppression lifts it for the address, under every customer id",
    arguments: StoreBackend.available)
  func liftingLiftsTheAddress(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try optOutPolicy())
      for id in ["c-a", "c-b"] {
        try await store.saveCustomer(CustomerProfile(id: id, email: "twice@example.com"))
      }
      let first = try await store.addSuppression(
        Suppression(reason: .unsubscribed, at: time("2026-11-01T00:00:00Z")), customerId: "c-a")
      _ = try await store.addSuppression(
        Suppression(reason: .unsubscribed, at: time("2026-11-03T00:00:00Z")), customerId: "c-b")
      let other = try await store.addSuppression(
        Suppression(reason: .complaint, at: time("2026-11-04T00:00:00Z")), customerId: "c-b")
      #expect(
        try await store.liftSuppression(id: first, at: time("2026-11-05T00:00:00Z"), by: "support"))
      let state = try #require(try await store.customerState("c-b", sendsSince: .distantPast))
      #expect(state.suppressions.map(\.reason) == [.complaint])
      #expect(try await store.liftSuppression(id: other, at: time("2026-11-05T00:00:00Z"), by: "x"))
      let decided = try await store.decide(
        addressedMessage("m1", customer: "c-c", to: "twice@example.com"), engine: engine,
        at: time("2026-12-01T12:00:00Z"))
      #expect(decided.decision?.outcome == .forwarded)
    }
  }

  @Test(
    "a dry-run sees the suppressions of the customer's address under other ids, in both reads",
    arguments: StoreBackend.available)
  func dryRunSeesTheAddress(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try optOutPolicy())
      try await store.saveCustomer(CustomerProfile(id: "c-a", email: "ana@example.com"))
      try await store.saveCustomer(CustomerProfile(id: "c-b", email: "ANA@example.com"))
      _ = try await store.addSuppression(
        Suppression(reason: .complaint, at: time("2026-11-01T00:00:00Z")), customerId: "c-a")
      let now = time("2026-12-01T12:00:00Z")
      let few = try await store.decisionStates(customerIds: ["c-b"], engine: engine, at: now)
      #expect(few["c-b"]?.suppressions.map(\.recordedFor) == ["c-a"])
      // Enough customers that SQLite reads its tables whole: the same states.
      let many = ["c-b"] + (0..<2_100).map { "nobody-\($0)" }
      let scanned = try await store.decisionStates(customerIds: many, engine: engine, at: now)
      #expect(scanned["c-b"] == few["c-b"])
      var campaign = CampaignDryRun(
        engine: engine,
        campaign: Campaign(
          id: "c", category: "marketing", sendAt: now, from: "news@shop.example",
          subject: "Hi", text: "Hello", recipients: ["c-b"]),
        at: now)
      let decision = campaign.decide(Recipient(customerId: "c-b"), stored: few["c-b"])
      #expect(decision.outcome == .blocked)
    }
  }

  @Test(
    "suppressions recorded before the upgrade are tied to their customer's address once",
    .enabled(if: StoreBackend.available.contains(.postgres)))
  func backfill() async throws {
    let url = try StoreBackend.freshDatabase()
    try await PostgresStore.withStore(url: url) { store in
      try await store.saveCustomer(CustomerProfile(id: "c-a", email: "old@example.com"))
      _ = try await store.addSuppression(
        Suppression(reason: .unsubscribed, at: time("2026-11-01T00:00:00Z")), customerId: "c-a")
    }
    // As a database written before the address digests existed.
    let raw = RawDatabase.postgres(url: url)
    try await raw.execute("UPDATE suppression SET address_key = NULL")
    try await raw.execute("DELETE FROM schema_migration WHERE name = 'v8-suppression-addresses'")
    try await PostgresStore.withStore(url: url) { store in
      let decided = try await store.decide(
        addressedMessage("m1", customer: "c-b", to: "old@example.com"),
        engine: Engine(policy: try optOutPolicy()),
        at: time("2026-12-01T12:00:00Z"))
      #expect(decided.decision?.outcome == .blocked)
    }
  }
}
