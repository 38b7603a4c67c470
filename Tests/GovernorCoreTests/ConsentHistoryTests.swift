import Foundation
import GovernorCore
import Testing

/// Which grants count: any valid one since the last withdrawal, and none given after the
/// instant of the decision.
@Suite("Consent history")
struct ConsentHistoryTests {
  let engine: Engine

  init() throws {
    engine = Engine(policy: try shippedPolicy("default"))
  }

  func grant(_ at: String, kind: String = "express") -> ConsentEvent {
    ConsentEvent(
      purpose: "marketing", status: .granted, kind: kind, at: time(at), confirmedAt: time(at),
      source: "signup-form")
  }

  func withdraw(_ at: String) -> ConsentEvent {
    ConsentEvent(purpose: "marketing", status: .withdrawn, at: time(at), source: "preference-page")
  }

  @Test("express consent is not lost when a later implied consent (a purchase) expires")
  func expressOutlivesLaterImplied() {
    let state = customer(consents: [
      grant("2023-01-01T00:00:00Z"),
      grant("2024-01-10T00:00:00Z", kind: "implied_purchase"),
    ])
    // Two years after the purchase its implied consent has lapsed; the express one has not.
    let decision = engine.decide(state, at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .forwarded)
    #expect(decision.codes.isEmpty)
  }

  @Test("a withdrawal ends every grant before it, express ones included")
  func withdrawalEndsEarlierGrants() {
    let state = customer(consents: [
      grant("2023-01-01T00:00:00Z"),
      grant("2024-01-10T00:00:00Z", kind: "implied_purchase"),
      withdraw("2024-06-01T00:00:00Z"),
    ])
    #expect(engine.decide(state, at: "2026-11-27T10:00:00Z").codes == ["consent_withdrawn"])
  }

  @Test("only grants since the withdrawal count; when all have lapsed the latest one explains")
  func lapsedAfterWithdrawal() throws {
    let state = customer(consents: [
      grant("2020-01-01T00:00:00Z"),
      withdraw("2023-06-01T00:00:00Z"),
      grant("2023-09-01T00:00:00Z", kind: "implied_purchase"),
    ])
    let decision = engine.decide(state, at: "2026-11-27T10:00:00Z")
    #expect(decision.codes == ["consent_expired"])
    #expect(decision.reasons.first?.facts["granted_at"] == .time(time("2023-09-01T00:00:00Z")))
  }

  @Test("a decision at an earlier instant ignores consent given after it")
  func laterGrantIgnored() {
    let state = customer(consents: [grant("2026-11-20T12:00:00Z")])
    #expect(engine.decide(state, at: "2026-11-20T11:00:00Z").codes == ["consent_missing"])
    #expect(engine.decide(state, at: "2026-11-20T12:00:00Z").outcome == .forwarded)
  }

  @Test("a withdrawal after the instant is ignored too, unless within the accepted clock skew")
  func laterWithdrawal() {
    let state = customer(consents: [
      grant("2025-01-01T00:00:00Z"), withdraw("2026-11-20T12:00:00Z"),
    ])
    #expect(engine.decide(state, at: "2026-11-20T11:00:00Z").outcome == .forwarded)
    // A sender's clock two minutes ahead: its opt-out holds at once.
    #expect(engine.decide(state, at: "2026-11-20T11:58:00Z").codes == ["consent_withdrawn"])
  }

  @Test("a suppression dated after the instant is ignored, unless within the clock skew")
  func laterSuppression() {
    var state = customer(consents: [grant("2025-01-01T00:00:00Z")])
    state.suppressions = [Suppression(reason: .unsubscribed, at: time("2026-11-20T12:00:00Z"))]
    #expect(engine.decide(state, at: "2026-11-20T11:00:00Z").outcome == .forwarded)
    #expect(engine.decide(state, at: "2026-11-20T11:58:00Z").outcome == .blocked)
    #expect(engine.decide(state, at: "2026-11-21T12:00:00Z").outcome == .blocked)
  }
}
