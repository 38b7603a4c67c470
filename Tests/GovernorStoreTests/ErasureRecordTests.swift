import Foundation
import GovernorCore
import GovernorStore
import TestDatabases
import Testing

/// Erasure must not reopen an opt-out: what it keeps of an erased customer's suppressions
/// still stops mail to their id and to their address, on every backend.
@Suite("Store contract: what erasure keeps")
struct ErasureRecordTests {
  @Test(
    "erased unsubscribers and hard bounces stay suppressed by id and by address in any case",
    arguments: StoreBackend.available)
  func erasureKeepsSuppressions(backend: StoreBackend) async throws {
    try await backend.withStoreAndDatabase { store, database in
      let engine = Engine(policy: try optOutPolicy())
      let now = time("2026-12-01T12:00:00Z")
      try await store.saveCustomer(CustomerProfile(id: "c-unsub", email: "Ana.Erased@Example.com"))
      _ = try await store.addSuppression(
        Suppression(
          reason: .unsubscribed, at: time("2026-11-01T00:00:00Z"),
          source: "one-click from ana.erased@example.com"),
        customerId: "c-unsub")
      let lifted = try await store.addSuppression(
        Suppression(reason: .manual, at: time("2026-10-01T00:00:00Z"), source: "support"),
        customerId: "c-unsub")
      _ = try await store.liftSuppression(id: lifted, at: time("2026-10-02T00:00:00Z"), by: "x")
      try await store.saveCustomer(CustomerProfile(id: "c-bounce", email: "gone@example.org"))
      _ = try await store.addSuppression(
        Suppression(reason: .hardBounce, at: time("2026-11-02T00:00:00Z"), source: "sendgrid"),
        customerId: "c-bounce")

      #expect(try await store.eraseCustomer("c-unsub"))
      #expect(try await store.eraseCustomer("c-bounce"))

      func outcome(_ message: Message) async throws -> (Outcome, [String]) {
        let decided = try await store.decide(message, engine: engine, at: now)
        let decision = try #require(decided.decision)
        return (decision.outcome, decision.reasons.map(\.rule))
      }
      // The id, with any address.
      #expect(
        try await outcome(addressedMessage("m1", customer: "c-unsub", to: "new@example.net"))
          == (.blocked, ["suppression.unsubscribed"]))
      // The address, under another id, in another case.
      #expect(
        try await outcome(addressedMessage("m2", customer: "c-new", to: "ANA.ERASED@example.COM"))
          == (.blocked, ["suppression.unsubscribed"]))
      #expect(
        try await outcome(
          addressedMessage("m3", customer: "c-other", to: "Someone <ana.erased@example.com>"))
          == (.blocked, ["suppression.unsubscribed"]))
      // An unsubscribe never stopped transactional mail; a hard bounce stops everything.
      #expect(
        try await outcome(
          addressedMessage(
            "m4", customer: "c-new", to: "ana.erased@example.com",
            category: "transactional")) == (.forwarded, []))
      #expect(
        try await outcome(
          addressedMessage(
            "m5", customer: "c-guest", to: "gone@example.org",
            category: "transactional")) == (.blocked, ["suppression.hard_bounce"]))
      #expect(
        try await outcome(
          addressedMessage(
            "m6", customer: "c-bounce", to: "other@example.org",
            category: "transactional")) == (.blocked, ["suppression.hard_bounce"]))
      // Someone else entirely is untouched.
      #expect(
        try await outcome(addressedMessage("m7", customer: "c-fresh", to: "fresh@example.com"))
          == (.forwarded, []))

      // The export lists what was kept, as kept; the lifted suppression and the profile went.
      let export = try #require(try await store.exportCustomer("c-unsub"))
      #expect(export.profile.email == nil)
      #expect(export.consents.isEmpty && export.sends.isEmpty)
      #expect(export.suppressions.count == 1)
      let kept = try #require(export.suppressions.first)
      #expect(kept.suppression.reason == .unsubscribed)
      #expect(kept.suppression.at == time("2026-11-01T00:00:00Z"))
      #expect(kept.erasedAt != nil)
      #expect(kept.liftedAt == nil)
      #expect(try export.json().contains(#""erased_at""#))
      let state = try #require(try await store.customerState("c-unsub", sendsSince: .distantPast))
      #expect(state.suppressions.map(\.reason) == [.unsubscribed])

      // Nothing in the store spells the address any more, in any column.
      let suppressionRows = try await database.text(
        "SELECT count(*) FROM suppression WHERE lower(coalesce(source, '') || scope || customer_id"
          + " || coalesce(address_key, '')) LIKE '%example.%'")
      #expect(suppressionRows == "0")
      let digests = try await database.text(
        "SELECT count(DISTINCT address_key) FROM suppression WHERE erased_at IS NOT NULL")
      #expect(digests == "2")
      // Erasing again finds no customer; the kept record stays.
      #expect(try await !store.eraseCustomer("c-unsub"))
      #expect(try await store.exportCustomer("c-unsub")?.suppressions.count == 1)
    }
  }

  @Test(
    "a dry-run of an erased customer's id is blocked as the gateway would block it",
    arguments: StoreBackend.available)
  func dryRunSeesKeptSuppressions(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try optOutPolicy())
      try await store.saveCustomer(CustomerProfile(id: "c-unsub", email: "ana@example.com"))
      _ = try await store.addSuppression(
        Suppression(reason: .complaint, at: time("2026-11-01T00:00:00Z")), customerId: "c-unsub")
      #expect(try await store.eraseCustomer("c-unsub"))
      let states = try await store.decisionStates(
        customerIds: ["c-unsub", "c-never"], engine: engine, at: time("2026-12-01T12:00:00Z"))
      #expect(states.keys.sorted() == ["c-unsub"])
      #expect(states["c-unsub"]?.suppressions.map(\.reason) == [.complaint])
    }
  }
}
