import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Compliance filters the audit log by outcome, rule, campaign, customer and time, and pages
/// through it with a cursor that does not shift as new decisions arrive.
@Suite("Store contract: decision queries")
struct DecisionQueryTests {
  let start = time("2026-11-26T12:00:00Z")

  /// c1 gets five `spring` messages against a cap of 3 (the last two blocked by caps.weekly),
  /// c2 two `autumn` ones; one minute apart, in that order.
  func withDecisions(_ backend: StoreBackend, _ body: (any Store) async throws -> Void)
    async throws
  {
    try await backend.withStore { store in
      try await consentingCustomer(store, id: "c1")
      try await consentingCustomer(store, id: "c2")
      let engine = Engine(policy: try weeklyCapPolicy(max: 3))
      let sends =
        (0..<5).map { ("m\($0)", "c1", "spring") } + (0..<2).map { ("n\($0)", "c2", "autumn") }
      for (index, (id, customer, campaign)) in sends.enumerated() {
        let at = start + Double(index) * 60
        var message = marketingMessage(id, customer: customer)
        message.campaignId = campaign
        _ = try await store.decide(message, engine: engine, at: at)
      }
      try await body(store)
    }
  }

  func messageIds(_ store: any Store, _ query: DecisionQuery) async throws -> [String] {
    try await store.decisions(matching: query).map(\.messageId)
  }

  @Test("each filter narrows the log, newest first", arguments: StoreBackend.available)
  func filters(backend: StoreBackend) async throws {
    try await withDecisions(backend) { store in
      #expect(try await messageIds(store, DecisionQuery(outcome: .blocked)) == ["m4", "m3"])
      #expect(try await messageIds(store, DecisionQuery(rule: "caps.weekly")) == ["m4", "m3"])
      #expect(try await messageIds(store, DecisionQuery(rule: "caps.week")) == [])
      #expect(try await messageIds(store, DecisionQuery(code: "cap_exceeded")) == ["m4", "m3"])
      #expect(try await messageIds(store, DecisionQuery(code: "cap_exceed")) == [])
      #expect(try await messageIds(store, DecisionQuery(campaignId: "autumn")) == ["n1", "n0"])
      #expect(try await messageIds(store, DecisionQuery(customerId: "c2")) == ["n1", "n0"])
      #expect(
        try await messageIds(store, DecisionQuery(since: start + 60, until: start + 180))
          == ["m2", "m1"])
      #expect(
        try await messageIds(
          store, DecisionQuery(outcome: .forwarded, campaignId: "spring", customerId: "c1"))
          == ["m2", "m1", "m0"])
      let blocked = try #require(try await store.decisions(matching: DecisionQuery(limit: 1)).first)
      #expect(try await store.decision(id: blocked.id) == blocked)
      #expect(try await store.decision(id: "dec_missing") == nil)
    }
  }

  @Test(
    "a request finds its recipients' decisions, and nothing under a longer or wildcard id",
    arguments: StoreBackend.available)
  func request(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let engine = Engine(policy: try weeklyCapPolicy())
      for (id, customer) in [
        ("sg:Ab_9/a@example.com", "a"), ("sg:Ab_9/b@example.com", "b"),
        ("sg:Ab_90/c@example.com", "c"), ("sg:AbX9/d@example.com", "d"),
        ("<m1@shop.example>/e@example.com", "e"), ("<m1@shop.example>", "f"),
      ] {
        _ = try await store.decide(
          marketingMessage(id, customer: customer), engine: engine, at: start)
      }
      #expect(
        try await messageIds(store, DecisionQuery(request: "Ab_9"))
          == ["sg:Ab_9/b@example.com", "sg:Ab_9/a@example.com"])
      #expect(
        try await messageIds(store, DecisionQuery(request: "<m1@shop.example>"))
          == ["<m1@shop.example>/e@example.com"])
      #expect(try await messageIds(store, DecisionQuery(request: "Ab%9")) == [])
    }
  }

  @Test(
    "a cursor pages through every row once, unmoved by new rows", arguments: StoreBackend.available)
  func pagination(backend: StoreBackend) async throws {
    try await withDecisions(backend) { store in
      let first = try await store.decisions(matching: DecisionQuery(limit: 3))
      #expect(first.map(\.messageId) == ["n1", "n0", "m4"])
      // A decision arriving between pages must not push rows into the next page.
      let engine = Engine(policy: try weeklyCapPolicy())
      _ = try await store.decide(
        marketingMessage("late", customer: "c2"), engine: engine, at: start + 600)
      var seen = first.map(\.messageId)
      var cursor = first.last?.sequence
      while let before = cursor {
        let page = try await store.decisions(matching: DecisionQuery(before: before, limit: 3))
        seen += page.map(\.messageId)
        cursor = page.count == 3 ? page.last?.sequence : nil
      }
      #expect(seen == ["n1", "n0", "m4", "m3", "m2", "m1", "m0"])
    }
  }
}
