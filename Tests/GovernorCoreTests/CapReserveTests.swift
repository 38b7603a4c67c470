import Foundation
import GovernorCore
import Testing

@Suite("Capacity kept for what matters (cap reserve)")
struct CapReserveTests {
  static let yaml = """
    name: reserve
    consent:
      purposes:
        newsletter: {}
    categories:
      transactional: {consent: [], caps: false, quiet_hours: false}
      newsletter: {consent: [newsletter]}
      order_followup: {consent: []}
    caps:
      - id: weekly
        max: 3
        within: 7d
        reserve: {slots: 1, for: [order_followup]}
    """
  let engine: Engine

  init() throws {
    engine = Engine(policy: try policy(Self.yaml))
  }

  func newsletterConsent() -> [ConsentEvent] {
    let granted = time("2024-01-01T00:00:00Z")
    return [
      ConsentEvent(
        purpose: "newsletter", status: .granted, kind: "express", at: granted,
        confirmedAt: granted)
    ]
  }

  func history(_ sends: [(String, String)]) -> CustomerState {
    customer(sends: sends, consents: newsletterConsent())
  }

  @Test(
    "two newsletters leave the third slot to an order follow-up; the next follow-up meets the cap")
  func reservedSlotGoesToFollowUp() throws {
    let twoNewsletters = [
      ("2026-11-20T10:00:00Z", "newsletter"), ("2026-11-22T10:00:00Z", "newsletter"),
    ]
    let third = engine.decide(history(twoNewsletters), "newsletter", at: "2026-11-24T10:00:00Z")
    #expect(third.outcome == .blocked)
    let reason = try #require(third.reasons.first)
    #expect(reason.rule == "caps.weekly")
    #expect(reason.code == "cap_reserved")
    #expect(reason.message.contains("reserved for order_followup"))
    #expect(reason.facts["reserved_for"] == .texts(["order_followup"]))
    #expect(reason.facts["reserved_slots"] == .number(1))
    #expect(reason.facts["counted"] == .number(2))
    // The oldest newsletter leaves the window: then a newsletter fits beside the reserve.
    #expect(third.notBefore == time("2026-11-27T10:00:00Z"))

    let followUp = engine.decide(
      history(twoNewsletters), "order_followup", at: "2026-11-24T10:00:00Z")
    #expect(followUp.outcome == .forwarded)

    let afterFollowUp = history(twoNewsletters + [("2026-11-24T10:00:00Z", "order_followup")])
    let next = engine.decide(afterFollowUp, "order_followup", at: "2026-11-25T10:00:00Z")
    #expect(next.outcome == .blocked)
    #expect(next.codes == ["cap_exceeded"])
    #expect(
      engine.decide(afterFollowUp, "newsletter", at: "2026-11-25T10:00:00Z").codes == [
        "cap_exceeded"
      ])
  }

  @Test(
    "a follow-up already sent in the window has used the reserve: a newsletter may take the slot left"
  )
  func usedReserveFreesTheRest() {
    let state = history([
      ("2026-11-20T10:00:00Z", "order_followup"), ("2026-11-22T10:00:00Z", "newsletter"),
    ])
    #expect(engine.decide(state, "newsletter", at: "2026-11-24T10:00:00Z").outcome == .forwarded)
  }

  @Test(
    "the slot opens when the reserve returns: a follow-up leaving the window holds it back again")
  func releaseCountsTheReserveReturning() {
    // Follow-up, then two newsletters: full. When the follow-up leaves (Nov 27), 2 newsletters
    // plus the reserve it gives back still fill the cap; the first newsletter leaving (Nov 29)
    // opens a slot.
    let state = history([
      ("2026-11-20T10:00:00Z", "order_followup"), ("2026-11-22T10:00:00Z", "newsletter"),
      ("2026-11-23T10:00:00Z", "newsletter"),
    ])
    let decision = engine.decide(state, "newsletter", at: "2026-11-24T10:00:00Z")
    #expect(decision.codes == ["cap_exceeded"])
    #expect(decision.notBefore == time("2026-11-29T10:00:00Z"))
    #expect(
      engine.decide(state, "newsletter", at: "2026-11-29T10:00:00Z").outcome == .forwarded)
  }

  @Test("a calendar cap keeps its slots too, until the period ends")
  func calendarReserve() throws {
    let engine = Engine(
      policy: try policy(
        Self.yaml.replacingOccurrences(of: "within: 7d", with: "per: week")))
    let state = history([
      ("2026-11-23T10:00:00Z", "newsletter"), ("2026-11-24T10:00:00Z", "newsletter"),
    ])
    let decision = engine.decide(state, "newsletter", at: "2026-11-25T10:00:00Z")
    #expect(decision.codes == ["cap_reserved"])
    #expect(decision.notBefore == time("2026-11-30T00:00:00Z"))
  }

  @Test("dry-run and eligibility say the same: the reserve is the engine's")
  func eligibilityShowsReserve() throws {
    let state = history([
      ("2026-11-20T10:00:00Z", "newsletter"), ("2026-11-22T10:00:00Z", "newsletter"),
    ])
    let answers = engine.eligibility(of: state, at: time("2026-11-24T10:00:00Z"))
    let newsletter = try #require(answers.first { $0.category == "newsletter" })
    #expect(!newsletter.eligibleNow)
    #expect(newsletter.reasons.map(\.code) == ["cap_reserved"])
    #expect(answers.first { $0.category == "order_followup" }?.eligibleNow == true)
  }

  @Test(
    "a reserve the cap cannot keep is refused where it is written",
    arguments: [
      (
        "reserve: {slots: 3, for: [order_followup]}", "caps.weekly.reserve.slots is 3 of a cap of 3"
      ),
      (
        "reserve: {slots: 1, for: [transactional]}",
        "names 'transactional', which this cap does not count"
      ),
      (
        "reserve: {slots: 1, for: [newsletter, order_followup]}",
        "names every category the cap counts"
      ),
      ("reserve: {slots: 1}", "caps.weekly.reserve needs 'for'"),
      ("reserve: {slots: 1, for: [order_folowup]}", "did you mean 'order_followup'"),
    ])
  func badReserve(line: String, expected: String) {
    let yaml = Self.yaml.replacingOccurrences(
      of: "reserve: {slots: 1, for: [order_followup]}", with: line)
    let problems = diagnostics(yaml)
    #expect(
      problems.contains { $0.contains(expected) && $0.hasPrefix("test.yaml:13:") }, "\(problems)")
  }

  @Test("the shipped us-can-spam policy keeps the week's last slot for an order follow-up")
  func shippedPolicyReserves() throws {
    let engine = Engine(policy: try shippedPolicy("us-can-spam"))
    // Sunday to Wednesday of one week (New York), an offer a day.
    let state = customer(
      sends: [
        ("2026-11-22T16:00:00Z", "marketing"), ("2026-11-23T16:00:00Z", "marketing"),
        ("2026-11-24T16:00:00Z", "marketing"), ("2026-11-25T16:00:00Z", "marketing"),
      ], consents: [])
    #expect(
      engine.decide(state, "marketing", at: "2026-11-26T16:00:00Z", html: canSpamBody).codes == [
        "cap_reserved"
      ])
    #expect(
      engine.decide(state, "order_followup", at: "2026-11-26T16:00:00Z", html: canSpamBody)
        .outcome == .forwarded)
  }

  @Test("a min_gap cap has no slots to keep")
  func minGapReserve() {
    let problems = diagnostics(
      Self.yaml.replacingOccurrences(of: "max: 3\n    within: 7d", with: "min_gap: 1d"))
    #expect(problems.contains { $0.contains("a min_gap cap has none") }, "\(problems)")
  }
}
