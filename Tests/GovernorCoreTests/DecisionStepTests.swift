import Foundation
import GovernorCore
import Testing

/// What follows a decision, decided with values alone: the rules both store backends carry out.
@Suite("Decision step")
struct DecisionStepTests {
  let engine: Engine

  init() throws {
    engine = Engine(policy: try shippedPolicy("default"))
  }

  func plan(_ message: Message, _ state: CustomerState, knownAddress: Bool, at: String)
    -> DecisionPlan
  {
    DecisionStep.plan(
      message, state: state, knownAddress: knownAddress, engine: engine, at: time(at))
  }

  @Test("a forwarded message takes a slot; a customer known by no address takes the recipient")
  func forwarded() {
    var receipt = message("transactional")
    receipt.to = "Ana <c1@example.com>"
    let known = plan(receipt, customer(), knownAddress: true, at: "2026-11-27T12:00:00Z")
    #expect(known.decision.outcome == .forwarded)
    #expect(known.takesSlot && known.holdUntil == nil && known.profile == .unchanged)
    let first = plan(receipt, customer(), knownAddress: false, at: "2026-11-27T12:00:00Z")
    #expect(first.profile == .address("c1@example.com"))
  }

  @Test("a deferred message waits until the decision's next eligible time and takes no slot")
  func deferred() {
    let night = plan(
      message(), customer(zone: zone("Europe/Madrid")), knownAddress: true,
      at: "2026-11-27T23:30:00Z")
    #expect(night.decision.outcome == .deferred)
    #expect(!night.takesSlot)
    #expect(night.holdUntil == night.decision.notBefore && night.holdUntil != nil)
  }

  @Test("blocked: a new customer is known with no address, unless a suppression blocked it")
  func blocked() {
    let noConsent = plan(
      message(), customer(consents: []), knownAddress: false, at: "2026-11-27T12:00:00Z")
    #expect(noConsent.decision.outcome == .blocked)
    #expect(!noConsent.takesSlot && noConsent.profile == .known)
    let suppressed = plan(
      message("transactional"),
      customer(suppressions: [Suppression(reason: .hardBounce, at: time("2026-01-01T00:00:00Z"))]),
      knownAddress: false, at: "2026-11-27T12:00:00Z")
    #expect(suppressed.decision.codes == ["hard_bounce"])
    #expect(suppressed.profile == .unchanged)
  }

  @Test("an earlier decision answers the same message, and any message when it kept no fingerprint")
  func repeats() throws {
    let fingerprint = message().fingerprint
    try DecisionStep.repeatOf(
      "m1", fingerprint: fingerprint, earlierDecision: "dec_1", earlierFingerprint: fingerprint)
    try DecisionStep.repeatOf(
      "m1", fingerprint: fingerprint, earlierDecision: "dec_1", earlierFingerprint: nil)
    #expect(throws: MessageIdConflict(messageId: "m1", decisionId: "dec_1")) {
      try DecisionStep.repeatOf(
        "m1", fingerprint: fingerprint, earlierDecision: "dec_1",
        earlierFingerprint: message("transactional").fingerprint)
    }
  }
}
