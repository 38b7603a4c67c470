import Foundation
import GovernorCore
import Testing

@Suite("Stacked caps, preferences and every reason")
struct StackedRulesTests {
  let engine: Engine

  init() throws {
    engine = Engine(policy: try shippedPolicy("default"))
  }

  @Test("stacked caps where only the weekly one fails report only the weekly one")
  func onlyWeeklyFails() throws {
    let state = customer(sends: [
      ("2026-11-20T10:00:00Z", "marketing"), ("2026-11-22T10:00:00Z", "marketing"),
      ("2026-11-24T10:00:00Z", "marketing"),
    ])
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.reasons.map(\.rule) == ["caps.weekly"])
    #expect(decision.notBefore == time("2026-11-27T10:00:00Z"))
  }

  @Test("every failing cap is reported, and the next eligible time satisfies all of them")
  func allCapsReported() {
    // Sent this morning: the daily cap and the 16h gap both fail; the gap ends later.
    let state = customer(sends: [("2026-11-26T09:00:00Z", "marketing")])
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.reasons.map(\.rule) == ["caps.daily", "caps.gap"])
    #expect(decision.reasons.map(\.code) == ["cap_exceeded", "min_gap"])
    // Daily frees at midnight UTC, the gap at 01:00Z, which is inside quiet hours: 08:00Z.
    #expect(decision.notBefore == time("2026-11-27T08:00:00Z"))
  }

  @Test("the minimum gap names the last send and when the next may go")
  func minimumGap() throws {
    let gapOnly = Engine(policy: try policy(basePolicy + "caps:\n  - {id: gap, min_gap: 16h}\n"))
    let state = customer(sends: [("2026-11-26T00:00:00Z", "marketing")])
    let decision = gapOnly.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.codes == ["min_gap"])
    #expect(decision.notBefore == time("2026-11-26T16:00:00Z"))
    #expect(decision.reasons.first?.facts["last_send_at"] == .time(time("2026-11-26T00:00:00Z")))
    #expect(gapOnly.decide(state, at: "2026-11-26T16:00:00Z").outcome == .forwarded)
  }

  @Test("the customer's own preference is one more cap")
  func customerPreference() throws {
    let state = customer(
      sends: [("2026-11-24T10:00:00Z", "newsletter")],
      preference: FrequencyPreference(max: 1, window: .rolling(seconds: 7 * 86_400)))
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.reasons.map(\.rule) == ["caps.customer_preference"])
    #expect(decision.codes == ["frequency_preference"])
    #expect(decision.notBefore == time("2026-12-01T10:00:00Z"))
    #expect(
      decision.reasons.first?.message.hasPrefix(
        "the customer asked for at most 1 message in the last 7 days") == true)
    // Without the preference the same history is fine.
    var relaxed = state
    relaxed.frequencyPreference = nil
    #expect(engine.decide(relaxed, at: "2026-11-26T12:00:00Z").outcome == .forwarded)
  }

  @Test("a preference of zero messages blocks with no next eligible time")
  func zeroPreference() {
    let state = customer(preference: FrequencyPreference(max: 0, window: .calendar(.month)))
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.notBefore == nil)
  }

  @Test("a shadow cap is reported but not enforced")
  func shadowCap() throws {
    let engine = Engine(
      policy: try policy(basePolicy + "caps:\n  - {id: trial, max: 1, per: month, shadow: true}\n"))
    let state = customer(sends: [("2026-11-02T10:00:00Z", "marketing")])
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.outcome == .forwarded)
    #expect(decision.reasons.map(\.effect) == [.shadow])
    #expect(decision.notBefore == nil)
  }

  @Test("a cap with action defer holds the message until the slot opens")
  func deferringCap() throws {
    let engine = Engine(
      policy: try policy(
        basePolicy + "caps:\n  - {id: daily, max: 1, per: day, action: defer, max_delay: 2d}\n"))
    let state = customer(sends: [("2026-11-26T09:00:00Z", "marketing")])
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.outcome == .deferred)
    #expect(decision.notBefore == time("2026-11-27T00:00:00Z"))
  }

  @Test("every rule is evaluated: consent, suppression and caps all appear, in pipeline order")
  func everyReason() {
    let state = customer(
      sends: [
        ("2026-11-20T10:00:00Z", "marketing"), ("2026-11-22T10:00:00Z", "marketing"),
        ("2026-11-24T10:00:00Z", "marketing"),
      ],
      consents: [
        ConsentEvent(purpose: "marketing", status: .withdrawn, at: time("2026-11-25T00:00:00Z"))
      ],
      suppressions: [Suppression(reason: .complaint, at: time("2026-11-25T00:00:00Z"))])
    let decision = engine.decide(state, at: "2026-11-26T22:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(
      decision.reasons.map(\.rule)
        == ["consent.marketing", "suppression.complaint", "caps.weekly", "quiet_hours"])
    // Time alone will not lift a withdrawn consent.
    #expect(decision.notBefore == nil)
  }

  @Test("a block wins over a defer")
  func blockBeatsDefer() {
    let state = customer(consents: [])
    let decision = engine.decide(state, at: "2026-11-26T22:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.reasons.map(\.effect) == [.block, .defer])
  }

  @Test("an unknown category is blocked with the categories the policy has")
  func unknownCategory() {
    let decision = engine.decide(customer(), "promo", at: "2026-11-26T12:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.codes == ["unknown_category"])
    #expect(
      decision.reasons.first?.facts["known_categories"]
        == .texts(["transactional", "marketing", "newsletter", "survey"]))
  }
}
