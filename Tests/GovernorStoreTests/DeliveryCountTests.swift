import Foundation
import GovernorCore
import GovernorStore
import Testing

/// What providers report about sent mail, counted against the message each report names:
/// per day of sending, sending domain, campaign and recipient domain, each event once.
@Suite("Store contract: delivery counts")
struct DeliveryCountTests {
  @Test(
    "reports count against their message's day, domain and campaign; a replay changes nothing",
    arguments: StoreBackend.available)
  func counted(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      try await consentingCustomer(store, id: "c2")
      let engine = Engine(policy: try weeklyCapPolicy())
      let sent = time("2026-11-20T23:30:00Z")
      _ = try await store.decide(marketingMessage("m1"), engine: engine, at: sent)
      var other = marketingMessage("m2", customer: "c2")
      other.from = "Shop <news@Mail.Shop.example>"
      other.campaignId = nil
      _ = try await store.decide(other, engine: engine, at: sent)
      // Reported the next day: counted on the day the mail was sent.
      let later = time("2026-11-21T08:00:00Z")
      func report(_ key: String, _ outcome: DeliveryReport.Outcome, _ id: String?)
        -> DeliveryReport
      {
        DeliveryReport(
          key: key, provider: "sendgrid", outcome: outcome, messageId: id,
          email: "C1@Example.com", at: later)
      }
      #expect(try await store.count(report("e1", .delivered, "m1"), at: later) == .counted)
      #expect(try await store.count(report("e1", .delivered, "m1"), at: later) == .repeated)
      #expect(try await store.count(report("e2", .complained, "m1"), at: later) == .counted)
      #expect(try await store.count(report("e3", .delivered, "m2"), at: later) == .counted)
      #expect(try await store.count(report("e4", .hardBounced, "m2"), at: later) == .counted)
      #expect(
        try await store.count(report("e5", .delivered, "never"), at: later) == .unknownMessage)
      #expect(try await store.count(report("e6", .delivered, nil), at: later) == .unknownMessage)
      let counts = try await store.deliveryCounts(since: "2026-11-20")
      #expect(
        counts == [
          DeliveryCount(
            day: "2026-11-20", sendingDomain: "mail.shop.example", campaignId: "",
            recipientDomain: "example.com", delivered: 1, hardBounced: 1, complained: 0),
          DeliveryCount(
            day: "2026-11-20", sendingDomain: "shop.example", campaignId: "camp",
            recipientDomain: "example.com", delivered: 1, hardBounced: 0, complained: 1),
        ])
      #expect(try await store.deliveryCounts(since: "2026-11-21").isEmpty)
      // The two reports on mail the governor never decided are kept, once, without the address.
      #expect(try await store.count(report("e5", .delivered, "never"), at: later) == .repeated)
      let bypass = try await store.bypassEvents(since: time("2026-11-21T00:00:00Z"))
      #expect(bypass.count == 2)
      #expect(bypass.allSatisfy { $0.provider == "sendgrid" && $0.outcome == .delivered })
      #expect(bypass.allSatisfy { !$0.addressDigest.isEmpty && !$0.addressDigest.contains("@") })
      #expect(try await store.bypassEvents(since: time("2026-11-21T08:00:01Z")).isEmpty)
    }
  }
}
