import Foundation
import GovernorCore
import Testing

@Suite("Suppression")
struct SuppressionTests {
  let engine: Engine

  init() throws {
    engine = Engine(policy: try shippedPolicy("default"))
  }

  func suppressed(_ reason: SuppressionReason, scope: SuppressionScope = .all) -> CustomerState {
    customer(suppressions: [
      Suppression(
        reason: reason, scope: scope, at: time("2026-10-02T18:30:00Z"), source: "one-click")
    ])
  }

  @Test("transactional mail to an unsubscribed customer is forwarded")
  func transactionalToUnsubscribed() {
    let decision = engine.decide(
      suppressed(.unsubscribed), "transactional", at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .forwarded)
  }

  @Test("marketing to an unsubscribed customer is blocked")
  func marketingToUnsubscribed() throws {
    let decision = engine.decide(suppressed(.unsubscribed), at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.notBefore == nil)
    let reason = try #require(decision.reasons.first)
    #expect(reason.rule == "suppression.unsubscribed")
    #expect(reason.code == "unsubscribed")
    #expect(reason.facts["source"] == .text("one-click"))
  }

  @Test("transactional mail to a hard-bounced address is blocked")
  func transactionalToHardBounce() {
    let decision = engine.decide(
      suppressed(.hardBounce), "transactional", at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.codes == ["hard_bounce"])
  }

  @Test("a complaint blocks all but transactional mail")
  func complaint() {
    #expect(
      engine.decide(suppressed(.complaint), "newsletter", at: "2026-11-27T10:00:00Z").codes == [
        "complaint"
      ])
    #expect(
      engine.decide(suppressed(.complaint), "transactional", at: "2026-11-27T10:00:00Z").outcome
        == .forwarded)
  }

  @Test("an unsubscribe from one category leaves the others")
  func scopedUnsubscribe() {
    let state = suppressed(.unsubscribed, scope: .category("newsletter"))
    #expect(engine.decide(state, "newsletter", at: "2026-11-27T10:00:00Z").outcome == .blocked)
    #expect(engine.decide(state, "marketing", at: "2026-11-27T10:00:00Z").outcome == .forwarded)
  }

  @Test("the policy decides which categories a reason blocks")
  func policyDecides() throws {
    let lenient = Engine(
      policy: try policy(basePolicy + "suppression:\n  manual: {blocks: [newsletter]}\n"))
    let state = suppressed(.manual)
    #expect(lenient.decide(state, "marketing", at: "2026-11-27T10:00:00Z").outcome == .forwarded)
    #expect(lenient.decide(state, "newsletter", at: "2026-11-27T10:00:00Z").outcome == .blocked)
  }
}
