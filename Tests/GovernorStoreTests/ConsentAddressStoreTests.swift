import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Consent records the address it was given for; an address change is recorded with its
/// source; dry-runs and replays see the addresses a message goes to.
@Suite("Store contract: consent and addresses")
struct ConsentAddressStoreTests {
  func policy(coversNewAddress: Bool = false, transactionalMismatch: String = "report") throws
    -> Policy
  {
    let yaml = """
      name: address-test
      consent:
        purposes: {marketing: {}}
        kinds: {express: never}
        covers_new_address: \(coversNewAddress)
      categories:
        transactional:
          {consent: [], caps: false, quiet_hours: false, address_mismatch: \(transactionalMismatch)}
        marketing: {consent: [marketing]}
      """
    return try PolicyLoader.load(Data(yaml.utf8), file: "address-test.yaml").get()
  }

  @Test(
    "an address change is recorded with its source; consent stays with the old address unless the policy carries it",
    arguments: StoreBackend.available)
  func addressChange(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)  // c1@example.com, consent with no address given
      #expect(
        try await store.exportCustomer("c1")?.consents.map(\.address) == ["c1@example.com"])
      // After the profile was saved (at the clock's time), as a change is.
      let changedAt = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 60).rounded())
      #expect(
        try await store.changeAddress(
          customerId: "c1", to: "ana.new@example.com", source: "account settings", at: changedAt)
          == .changed)
      #expect(
        try await store.changeAddress(
          customerId: "c1", to: "ana.new@example.com", source: "again", at: changedAt)
          == .unchanged)
      // A CRM writing the domain in other letters has not changed the address.
      #expect(
        try await store.changeAddress(
          customerId: "c1", to: "ana.new@EXAMPLE.com", source: "crm sync", at: changedAt)
          == .unchanged)
      #expect(
        try await store.changeAddress(
          customerId: "nobody", to: "x@example.com", source: "crm", at: changedAt)
          == .unknownCustomer)
      let export = try #require(try await store.exportCustomer("c1"))
      #expect(export.profile.email == "ana.new@example.com")
      #expect(export.profile.emailSource == "account settings")
      #expect(export.profile.emailSince == changedAt)
      let changes = export.preferenceChanges.filter { $0.kind == "email" }
      #expect(changes.map(\.value) == ["c1@example.com", "ana.new@example.com"])
      #expect(changes.last?.source == "account settings")
      #expect(changes.last?.at == changedAt)

      let now = time("2026-12-01T12:00:00Z")
      let strict = try await store.decide(
        addressedMessage("m1", to: "ana.new@example.com"), engine: Engine(policy: try policy()),
        at: now)
      #expect(strict.decision?.outcome == .blocked)
      #expect(strict.decision?.codes == ["consent_other_address"])
      let carried = try await store.decide(
        addressedMessage("m2", to: "ana.new@example.com"),
        engine: Engine(policy: try policy(coversNewAddress: true)), at: now)
      #expect(carried.decision?.outcome == .forwarded)
      #expect(carried.decision?.codes == ["consent_carried_over"])
      // Consent given again, now for the new address: it holds under either setting.
      try await store.recordConsent(
        ConsentEvent(
          purpose: "marketing", status: .granted, at: time("2026-11-30T10:00:00Z"),
          source: "re-permission mail"),
        customerId: "c1")
      #expect(try await store.exportCustomer("c1")?.consents.last?.address == "ana.new@example.com")
      let renewed = try await store.decide(
        addressedMessage("m3", to: "ana.new@example.com"), engine: Engine(policy: try policy()),
        at: now)
      #expect(renewed.decision?.outcome == .forwarded)
      #expect(renewed.decision?.reasons.isEmpty == true)
    }
  }

  @Test(
    "consent recorded before the customer had an address belongs to the first one they get",
    arguments: StoreBackend.available)
  func firstAddressTakesEarlierConsent(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await store.recordConsent(
        ConsentEvent(
          purpose: "marketing", status: .granted, at: time("2026-11-01T00:00:00Z"),
          source: "signup-form"),
        customerId: "c7")
      #expect(try await store.exportCustomer("c7")?.consents.map(\.address) == [nil])
      let engine = Engine(policy: try policy())
      let first = try await store.decide(
        addressedMessage("m1", customer: "c7", to: "first@example.com"), engine: engine,
        at: time("2026-12-01T12:00:00Z"))
      #expect(first.decision?.outcome == .forwarded)
      #expect(
        try await store.exportCustomer("c7")?.consents.map(\.address) == ["first@example.com"])
      // A consent naming its address keeps it.
      try await store.recordConsent(
        ConsentEvent(
          purpose: "marketing", status: .granted, at: time("2026-11-02T00:00:00Z"),
          source: "shop", address: "shop@example.com"),
        customerId: "c7")
      #expect(try await store.exportCustomer("c7")?.consents.last?.address == "shop@example.com")
    }
  }

  @Test(
    "a dry-run decides on the list's address: a mismatch, and that address's suppressions under other ids",
    arguments: StoreBackend.available)
  func dryRunUsesTheListsAddress(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try policy())
      try await store.saveCustomer(CustomerProfile(id: "c-a", email: "gone@example.com"))
      _ = try await store.addSuppression(
        Suppression(reason: .hardBounce, at: time("2026-11-01T00:00:00Z"), source: "sendgrid"),
        customerId: "c-a")
      try await consentingCustomer(store, id: "c-b")
      let now = time("2026-12-01T12:00:00Z")
      let recipients = [
        Recipient(customerId: "c-b", email: "GONE@example.com"),
        Recipient(customerId: "c-new", email: "gone@example.com"),
        Recipient(customerId: "c-b"),
        Recipient(customerId: "c-b", email: "c-b@example.com"),
      ]
      let states = try await store.decisionStates(
        customerIds: recipients.map(\.customerId), engine: engine, at: now)
      let lookUp = CampaignDryRun.addressesToLookUp(recipients, stored: states)
      #expect(lookUp == ["GONE@example.com", "gone@example.com"])
      let addresses = try await store.addressRecords(lookUp)
      #expect(addresses["GONE@example.com"]?.digest == addresses["gone@example.com"]?.digest)
      func run(_ category: String) -> [Decision] {
        var run = CampaignDryRun(
          engine: engine,
          campaign: Campaign(
            id: "camp", category: category, sendAt: now, from: "news@shop.example",
            subject: "Hi", text: "Hello"),
          at: now)
        return recipients.map {
          run.decide($0, stored: states[$0.customerId], address: $0.email.flatMap { addresses[$0] })
        }
      }
      let receipts = run("transactional")
      #expect(receipts.map(\.outcome) == [.blocked, .blocked, .forwarded, .forwarded])
      #expect(receipts[0].codes == ["hard_bounce", "address_mismatch"])
      #expect(receipts[0].reasons.first?.facts["recorded_for"] == .text("c-a"))
      #expect(receipts[0].reasons.last?.facts["recipient_digest"] != nil)
      #expect(receipts[1].codes == ["hard_bounce"])
      let offers = run("marketing")
      #expect(offers[0].codes == ["hard_bounce", "address_mismatch"])
      #expect(offers.map(\.outcome) == [.blocked, .blocked, .forwarded, .forwarded])
    }
  }

  @Test(
    "a replay shows what a stricter address_mismatch would block, from the notes of allowed mismatches",
    arguments: StoreBackend.available)
  func replayShowsMismatches(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let now = time("2026-12-01T12:00:00Z")
      let lenient = Engine(policy: try policy(transactionalMismatch: "allow"))
      for (id, to) in [("r1", "checkout@example.org"), ("r2", "c1@example.com")] {
        let decided = try await store.decide(
          addressedMessage(id, to: to, category: "transactional"), engine: lenient, at: now)
        #expect(decided.decision?.outcome == .forwarded)
      }
      let noted = try #require(try await store.decision(messageId: "r1"))
      #expect(noted.rules == ["address"])
      #expect(!noted.content.contains("checkout@example.org"))
      var replay = PolicyReplay(engine: Engine(policy: try policy(transactionalMismatch: "block")))
      let export = try await store.exportCustomer("c1")
      for entry in try await store.decisions(customerId: "c1") {
        replay.replay(entry, customer: export)
      }
      #expect(replay.report.replayed == 2)
      #expect(replay.report.flips == ["forwarded → blocked": 1])
      #expect(replay.report.rules["address"]?.held == 1)
      #expect(replay.report.rules.count == 1)
      #expect(replay.report.examples.map(\.messageId) == ["r1"])
    }
  }
}
