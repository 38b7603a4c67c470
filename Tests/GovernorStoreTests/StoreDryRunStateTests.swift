import Foundation
import GovernorCore
import GovernorStore
import Testing

/// A dry-run reads many customers at once; it must see exactly what `decide` would read for
/// each, whether the store looks each one up or reads its tables whole (SQLite does past a
/// few thousand customers).
@Suite("Store contract: states for a dry-run")
struct StoreDryRunStateTests {
  let now = time("2026-11-18T10:00:00Z")

  /// Customers with every kind of history: consents (some withdrawn), suppressions, sends
  /// inside and outside the windows, and a preference with a longer window.
  func customers(_ count: Int) -> [CustomerState] {
    (0..<count).map { index in
      var state = CustomerState(
        customerId: "k\(index)", email: "k\(index)@example.com",
        timeZone: index % 3 == 0 ? Zone(identifier: "Europe/Madrid") : nil)
      if index % 5 == 0 {
        state.frequencyPreference = FrequencyPreference(
          max: 2, window: .rolling(seconds: 60 * 86_400))
      }
      state.consents = [
        ConsentEvent(
          purpose: "marketing", status: .granted, at: now - 90 * 86_400, source: "form")
      ]
      if index % 7 == 0 {
        state.consents.append(
          ConsentEvent(purpose: "marketing", status: .withdrawn, at: now - 86_400, source: "link"))
      }
      if index % 11 == 0 {
        state.suppressions = [
          Suppression(reason: .complaint, scope: .all, at: now - 3_600, source: "fbl")
        ]
      }
      state.sends = SendHistory(
        (0..<(index % 6)).map {
          SendRecord(
            at: now - Double($0 * 9 + 1) * 86_400, category: "marketing", campaignId: "c\($0)")
        })
      return state
    }
  }

  @Test("many customers read at once equal each read alone", arguments: StoreBackend.available)
  func scanEqualsLookups(backend: StoreBackend) async throws {
    let engine = Engine(policy: try weeklyCapPolicy())
    let validator = RecordValidator(policy: engine.policy)
    try await backend.withStore { store in
      let all = customers(2_100)
      try await store.importCustomers(all.map { try validator.customer($0, now: now) })
      let ids = all.map(\.customerId) + ["nobody"]
      let together = try await store.decisionStates(customerIds: ids, engine: engine, at: now)
      #expect(together.count == 2_100)
      #expect(together["nobody"] == nil)
      for id in ["k0", "k1", "k5", "k7", "k11", "k35", "k2099"] {
        let alone = try await store.decisionStates(customerIds: [id], engine: engine, at: now)
        #expect(together[id] == alone[id], "\(id)")
      }
      // The history each customer's windows need, no more: the 60-day preference reaches
      // further back than the policy's week.
      #expect(together["k5"]?.sends.count == 5)
      #expect(together["k1"]?.sends.count == 1)
      #expect(together["k1"]?.suppressions.count == 0)
      #expect(together["k11"]?.suppressions.count == 1)
    }
  }
}
