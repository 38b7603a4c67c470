import Foundation
import GovernorCore
import Testing

@Suite("Rules rolled out gradually (enforce: N%)")
struct RolloutTests {
  static let customers = (0..<100_000).map { "customer-\($0)" }

  static func enforced(_ share: String, rule: String = "caps.weekly") -> Set<String> {
    let rollout = Rollout(rule: rule, enforce: Rate(percent: share)!)
    return Set(customers.filter { rollout.enforces(customerId: $0) })
  }

  @Test("10% of 100,000 customers are enforced, within half a point")
  func shareIsAccurate() {
    let count = Self.enforced("10%").count
    #expect((9_500...10_500).contains(count), "\(count)")
  }

  @Test("raising the share only adds customers: the 25% set holds the whole 10% set")
  func raisingOnlyAdds() {
    let ten = Self.enforced("10%")
    let quarter = Self.enforced("25%")
    #expect(ten.isSubset(of: quarter))
    #expect((24_500...25_500).contains(quarter.count), "\(quarter.count)")
  }

  @Test("the bucket is a fixed function of rule and customer: every node and every restart agree")
  func bucketsAreStable() {
    // Pinned to what a separate implementation of the same definition gives (FNV-1a 64 over
    // the rule id, a 0xFF byte and the customer id; SplitMix64's finish; modulo 1,000,000): a
    // change to the hash would move customers between enforced and shadowed.
    #expect(Rollout.bucket(rule: "caps.weekly", customerId: "c1") == 197_323)
    #expect(Rollout.bucket(rule: "quiet_hours", customerId: "c1") == 137_383)
    #expect(Rollout.bucket(rule: "caps.weekly", customerId: "customer-42") == 653_099)
  }

  @Test("each rule draws its own sample of customers")
  func rulesSampleIndependently() {
    let weekly = Self.enforced("10%", rule: "caps.weekly")
    let quiet = Self.enforced("10%", rule: "quiet_hours")
    // Independent samples of 10% overlap on about 1% of the list, not 10%.
    #expect(weekly.intersection(quiet).count < 1_500)
  }

  // MARK: - In decisions

  static let yaml =
    basePolicy + """
      caps:
        - id: weekly
          max: 1
          within: 7d
          enforce: 50%
      quiet_hours: {start: "21:00", end: "08:00", action: defer, max_delay: 24h, enforce: 20%}
      """

  /// Sent to the customer's own address (the shared `message` goes to c1's).
  static func decide(_ engine: Engine, _ state: CustomerState, at instant: String) -> Decision {
    let message = Message(
      id: "m1", customerId: state.customerId, to: state.email ?? "", from: "news@shop.example",
      subject: "Hello", html: "<p>Hi</p>", category: "marketing")
    return engine.evaluate(message, for: state, at: time(instant))
  }

  /// A customer inside (or outside) `rule`'s share.
  static func someone(in share: Bool, of rule: String, at percent: Int) -> String {
    (0...).lazy.map { "c\($0)" }.first {
      (Rollout.bucket(rule: rule, customerId: $0) < percent * 10_000) == share
    }!
  }

  @Test("a customer in the share is held back; one outside it gets the reason as a shadow")
  func capRollout() throws {
    let engine = Engine(policy: try policy(Self.yaml))
    let inside = Self.someone(in: true, of: "caps.weekly", at: 50)
    let outside = Self.someone(in: false, of: "caps.weekly", at: 50)
    let sends = [("2026-11-23T10:00:00Z", "marketing")]

    let held = Self.decide(engine, customer(inside, sends: sends), at: "2026-11-24T12:00:00Z")
    #expect(held.outcome == .blocked)
    let reason = try #require(held.reasons.first)
    #expect(reason.rollout == RolloutMark(enforce: Rate(perMillion: 500_000), enforced: true))
    #expect(reason.message.hasSuffix("(rolled out to 50% of customers, this one among them)"))
    #expect(held.notBefore == time("2026-11-30T10:00:00Z"))

    let reported = Self.decide(engine, customer(outside, sends: sends), at: "2026-11-24T12:00:00Z")
    #expect(reported.outcome == .forwarded)
    let shadow = try #require(reported.reasons.first)
    #expect(shadow.effect == .shadow)
    #expect(shadow.rollout?.enforced == false)
    #expect(shadow.message.contains("not yet this one: reported, not enforced"))
  }

  @Test(
    "quiet hours rolled out: outside the share a night-time send goes, and its release ignores them"
  )
  func quietHoursRollout() throws {
    let engine = Engine(policy: try policy(Self.yaml))
    let inside = Self.someone(in: true, of: "quiet_hours", at: 20)
    let outside = Self.someone(in: false, of: "quiet_hours", at: 20)
    let night = Self.decide(engine, customer(inside), at: "2026-11-24T23:00:00Z")
    #expect(night.outcome == .deferred)
    #expect(night.notBefore == time("2026-11-25T08:00:00Z"))
    let free = Self.decide(engine, customer(outside), at: "2026-11-24T23:00:00Z")
    #expect(free.outcome == .forwarded)
    #expect(free.reasons.map(\.effect) == [.shadow])
  }

  @Test("consent and suppression rules roll out the same way")
  func consentRollout() throws {
    let engine = Engine(
      policy: try policy(
        basePolicy.replacingOccurrences(
          of: "marketing: {}", with: "marketing: {double_opt_in: true, enforce: 10%}")))
    let inside = Self.someone(in: true, of: "consent.marketing", at: 10)
    let outside = Self.someone(in: false, of: "consent.marketing", at: 10)
    let granted = time("2024-01-01T00:00:00Z")
    let unconfirmed = [
      ConsentEvent(purpose: "marketing", status: .granted, kind: "express", at: granted)
    ]
    let blocked = Self.decide(
      engine, customer(inside, consents: unconfirmed), at: "2026-11-24T12:00:00Z")
    #expect(blocked.outcome == .blocked)
    #expect(blocked.notBefore == nil)
    let sent = Self.decide(
      engine, customer(outside, consents: unconfirmed), at: "2026-11-24T12:00:00Z")
    #expect(sent.outcome == .forwarded)
    #expect(sent.codes == ["double_opt_in_missing"])
  }

  @Test("the decision's record says whether the rule was enforced or shadowed for the customer")
  func recordedInJSON() throws {
    let engine = Engine(policy: try policy(Self.yaml))
    let outside = Self.someone(in: false, of: "caps.weekly", at: 50)
    let decision = Self.decide(
      engine, customer(outside, sends: [("2026-11-23T10:00:00Z", "marketing")]),
      at: "2026-11-24T12:00:00Z")
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = String(decoding: try encoder.encode(decision), as: UTF8.self)
    #expect(json.contains(#""rollout":{"enforce":"50%","enforced":false}"#))
    // A rule without a rollout records nothing new: older records hash as they did.
    let plain = Engine(
      policy: try policy(Self.yaml.replacingOccurrences(of: "    enforce: 50%\n", with: "")))
    let unrolled = Self.decide(
      plain, customer(outside, sends: [("2026-11-23T10:00:00Z", "marketing")]),
      at: "2026-11-24T12:00:00Z")
    #expect(
      !String(decoding: try JSONEncoder().encode(unrolled), as: UTF8.self).contains("rollout"))
  }

  @Test(
    "a share the policy cannot mean is refused where it is written",
    arguments: [
      ("enforce: 50%", "enforce: 0%", "enforces the rule for nobody"),
      ("enforce: 50%", "enforce: half", "caps.weekly.enforce 'half' is not a percentage"),
      ("enforce: 50%", "enforce: 50%\n    shadow: true", "has both shadow: true and enforce: 50%"),
      ("enforce: 20%", "enforce: 120%", "quiet_hours.enforce '120%' is not a percentage"),
    ])
  func badShare(old: String, new: String, expected: String) {
    let problems = diagnostics(Self.yaml.replacingOccurrences(of: old, with: new))
    #expect(problems.contains { $0.contains(expected) }, "\(problems)")
  }
}
