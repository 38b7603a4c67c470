import Foundation
import GovernorCore
import Testing

@Suite("Consent")
struct ConsentTests {
  let engine: Engine
  let strict: Engine

  init() throws {
    engine = Engine(policy: try shippedPolicy("default"))
    strict = Engine(policy: try shippedPolicy("eu-strict"))
  }

  func grant(_ at: String, kind: String = "express", confirmed: Bool = true) -> ConsentEvent {
    ConsentEvent(
      purpose: "marketing", status: .granted, kind: kind, at: time(at),
      confirmedAt: confirmed ? time(at) : nil, source: "signup-form")
  }

  func withdraw(_ at: String) -> ConsentEvent {
    ConsentEvent(purpose: "marketing", status: .withdrawn, at: time(at), source: "preference-page")
  }

  @Test("no consent on record blocks marketing, with no next eligible time")
  func missing() {
    let decision = engine.decide(customer(consents: []), at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.codes == ["consent_missing"])
    #expect(decision.reasons.first?.rule == "consent.marketing")
    #expect(decision.notBefore == nil)
  }

  @Test("consent granted then withdrawn blocks; the latest event wins")
  func grantedThenWithdrawn() throws {
    let state = customer(consents: [
      withdraw("2026-06-01T00:00:00Z"), grant("2025-01-01T00:00:00Z"),
    ])
    let decision = engine.decide(state, at: "2026-11-27T10:00:00Z")
    #expect(decision.codes == ["consent_withdrawn"])
    #expect(decision.reasons.first?.facts["withdrawn_at"] == .time(time("2026-06-01T00:00:00Z")))
  }

  @Test("consent withdrawn and then given again allows sending")
  func withdrawnThenRegranted() {
    let state = customer(consents: [
      grant("2025-01-01T00:00:00Z"), withdraw("2026-06-01T00:00:00Z"),
      grant("2026-09-01T00:00:00Z"),
    ])
    #expect(engine.decide(state, at: "2026-11-27T10:00:00Z").outcome == .forwarded)
  }

  @Test("implied consent from a purchase expires exactly two years later (CASL)")
  func impliedPurchaseExpires() throws {
    let state = customer(consents: [grant("2024-11-27T10:00:00Z", kind: "implied_purchase")])
    #expect(engine.decide(state, at: "2026-11-27T09:59:59Z").outcome == .forwarded)
    let expired = engine.decide(state, at: "2026-11-27T10:00:00Z")
    #expect(expired.outcome == .blocked)
    #expect(expired.codes == ["consent_expired"])
    let facts = try #require(expired.reasons.first?.facts)
    #expect(facts["kind"] == .text("implied_purchase"))
    #expect(facts["expired_at"] == .time(time("2026-11-27T10:00:00Z")))
  }

  @Test("implied consent from an inquiry lasts six calendar months, clamped to month end")
  func impliedInquiryMonthEnd() throws {
    let state = customer(consents: [grant("2026-08-31T12:00:00Z", kind: "implied_inquiry")])
    let expired = engine.decide(state, at: "2027-02-28T12:00:00Z")
    #expect(expired.reasons.first?.facts["expired_at"] == .time(time("2027-02-28T12:00:00Z")))
    #expect(engine.decide(state, at: "2027-02-28T11:59:59Z").outcome == .forwarded)
  }

  @Test("express consent never expires")
  func expressNeverExpires() {
    let state = customer(consents: [grant("2001-01-01T00:00:00Z")])
    #expect(engine.decide(state, at: "2030-06-01T10:00:00Z").outcome == .forwarded)
  }

  @Test("single opt-in where the policy requires double opt-in is blocked")
  func singleOptInWhereDoubleRequired() throws {
    let state = customer(consents: [grant("2026-01-01T00:00:00Z", confirmed: false)])
    let decision = strict.decide(state, at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.codes == ["double_opt_in_missing"])
    // The default policy accepts single opt-in for marketing.
    #expect(engine.decide(state, at: "2026-11-27T10:00:00Z").outcome == .forwarded)
  }

  @Test("a kind of consent the policy does not know is not consent")
  func unknownKind() {
    // eu-strict accepts only express consent (GDPR has no implied consent).
    let state = customer(consents: [grant("2026-01-01T00:00:00Z", kind: "implied_purchase")])
    #expect(strict.decide(state, at: "2026-11-27T10:00:00Z").codes == ["consent_kind_unknown"])
  }

  @Test("tracking consent is reported on the decision for the tracking stage")
  func trackingConsent() {
    let withTracking = customer()
    let without = customer(consents: [grant("2025-01-01T00:00:00Z")])
    #expect(engine.decide(withTracking, at: "2026-11-27T10:00:00Z").trackingConsent)
    #expect(!engine.decide(without, at: "2026-11-27T10:00:00Z").trackingConsent)
  }

  @Test("an opt-out policy needs no consent for marketing (CAN-SPAM)")
  func optOutRegime() throws {
    let us = Engine(policy: try shippedPolicy("us-can-spam"))
    #expect(
      us.decide(customer(consents: []), at: "2026-11-27T16:00:00Z", html: canSpamBody).outcome
        == .forwarded)
    #expect(
      us.decide(customer(consents: []), "newsletter", at: "2026-11-27T16:00:00Z", html: canSpamBody)
        .codes == ["consent_missing"])
  }
}
