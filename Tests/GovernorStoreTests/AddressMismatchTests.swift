import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Consent and suppressions belong to an address: a message to another one is a mismatch the
/// policy decides on, and a customer first seen in a message takes its address.
@Suite("Store contract: the address a message goes to")
struct AddressMismatchTests {
  @Test(
    "a mismatch blocks marketing, is reported on transactional mail, and names no address",
    arguments: StoreBackend.available)
  func mismatch(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)  // c1, c1@example.com, marketing consent
      let engine = Engine(policy: try weeklyCapPolicy())
      let now = time("2026-12-01T12:00:00Z")
      let marketing = try #require(
        try await store.decide(
          addressedMessage("m1", to: "someone-else@example.org"), engine: engine, at: now
        ).decision)
      #expect(marketing.outcome == .blocked)
      #expect(marketing.reasons.map(\.code) == ["address_mismatch"])
      let facts = try #require(marketing.reasons.first?.facts)
      #expect(facts["known_address_digest"] != nil && facts["recipient_digest"] != nil)
      #expect(facts["known_address_digest"] != facts["recipient_digest"])
      let receipt = try #require(
        try await store.decide(
          addressedMessage("m2", to: "someone-else@example.org", category: "transactional"),
          engine: engine, at: now
        ).decision)
      #expect(receipt.outcome == .forwarded)
      #expect(receipt.reasons.map(\.effect) == [.shadow])
      // The audit log holds digests, never the addresses.
      for id in ["m1", "m2"] {
        let entry = try #require(try await store.decision(messageId: id))
        #expect(!entry.content.contains("someone-else"))
        #expect(!entry.content.contains("c1@example.com"))
      }
      // The domain's case does not matter; the local part's does.
      let sameAddress = try await store.decide(
        addressedMessage("m3", to: "c1@EXAMPLE.com"), engine: engine, at: now)
      #expect(sameAddress.decision?.outcome == .forwarded)
      let otherLocalPart = try await store.decide(
        addressedMessage("m4", to: "C1@example.com"), engine: engine, at: now)
      #expect(otherLocalPart.decision?.reasons.map(\.code) == ["address_mismatch"])
    }
  }

  @Test(
    "a customer first seen in a message takes its address, with the message as its source",
    arguments: StoreBackend.available)
  func firstAddressAdopted(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try weeklyCapPolicy())
      let now = time("2026-12-01T12:00:00Z")
      // Blocked (no consent): the customer is known from now on, but takes no address from it.
      let blocked = try await store.decide(
        addressedMessage("m0", customer: "c9", to: "first@example.com"), engine: engine, at: now)
      #expect(blocked.decision?.outcome == .blocked)
      let bare = try #require(try await store.exportCustomer("c9"))
      #expect(bare.profile.email == nil)
      #expect(bare.decisions.count == 1)
      let receipt = try await store.decide(
        addressedMessage(
          "m1", customer: "c9", to: "Ana <first@example.com>", category: "transactional"),
        engine: engine, at: now)
      #expect(receipt.decision?.outcome == .forwarded)
      let profile = try #require(try await store.exportCustomer("c9")?.profile)
      #expect(profile.email == "first@example.com")
      #expect(profile.emailSource == "first message m1")
      #expect(profile.emailSince == now)
      let other = try await store.decide(
        addressedMessage("m2", customer: "c9", to: "second@example.com", category: "transactional"),
        engine: engine, at: now)
      #expect(other.decision?.reasons.map(\.code) == ["address_mismatch"])
      #expect(try await store.exportCustomer("c9")?.profile.email == "first@example.com")
    }
  }

  @Test(
    "an address changed by import carries its source and time; one that stays keeps its own",
    arguments: StoreBackend.available)
  func changedAddress(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try weeklyCapPolicy())
      try await consentingCustomer(store)
      let validator = RecordValidator(policy: try weeklyCapPolicy())
      let before = try #require(try await store.exportCustomer("c1")?.profile)
      try await store.importCustomers([
        try validator.customer(
          CustomerState(customerId: "c1", email: "c1@example.com"), now: Date())
      ])
      #expect(try await store.exportCustomer("c1")?.profile.emailSince == before.emailSince)
      try await store.importCustomers([
        try validator.customer(
          CustomerState(customerId: "c1", email: "new@example.com"), now: Date())
      ])
      let after = try #require(try await store.exportCustomer("c1")?.profile)
      #expect(after.email == "new@example.com")
      #expect(after.emailSource == "customer import")
      // Mail to the old address is now the mismatch, and the consent, given for the old
      // address, does not cover the customer's new one.
      let decided = try await store.decide(
        addressedMessage("m1", to: "c1@example.com"), engine: engine,
        at: time("2026-12-01T12:00:00Z"))
      #expect(
        decided.decision?.reasons.map(\.code) == ["consent_other_address", "address_mismatch"])
      let changes = try #require(try await store.exportCustomer("c1")?.preferenceChanges)
      #expect(
        changes.filter { $0.kind == "email" }.map(\.value) == ["c1@example.com", "new@example.com"])
    }
  }
}
