import Foundation

/// Why a message was held back: one per failing rule, so compliance sees every reason.
public struct Reason: Hashable, Sendable {
  public enum Effect: String, Hashable, Sendable, Encodable {
    case block
    case `defer`
    /// A rule in shadow mode: reported, not enforced.
    case shadow
    /// How a rule passed, where the record should say it: an address mismatch the policy
    /// allows, consent carried over to a new address. Changes nothing.
    case note
  }

  /// The rule's id in the policy: `consent.marketing`, `caps.weekly`, `quiet_hours`, …
  public var rule: String
  public var effect: Effect
  public var finding: Finding
  /// Set when the rule wanted to defer but the wait would pass the policy's `max_delay`.
  public var maxDelaySeconds: Int? {
    get { storedMaxDelay.map(Int.init) }
    set { storedMaxDelay = newValue.map { Int32(clamping: $0) } }
  }
  /// Set when the rule is rolled out to a share of customers: whether this one is in it (if
  /// not, the effect is `shadow`).
  public var rollout: RolloutMark?
  /// 32 bits (68 years of delay): with the rollout mark beside it, a reason is no larger than
  /// before rollouts existed, and decisions copy their reasons often.
  private var storedMaxDelay: Int32?

  public init(rule: String, effect: Effect, finding: Finding, maxDelaySeconds: Int? = nil) {
    self.rule = rule
    self.effect = effect
    self.finding = finding
    storedMaxDelay = maxDelaySeconds.map { Int32(clamping: $0) }
  }

  public var code: String { finding.code }

  /// Whether it holds the message back (blocks or defers it); shadow reasons and notes do not.
  public var holdsBack: Bool { effect == .block || effect == .defer }

  public var message: String {
    var sentence = finding.sentence
    if let maxDelaySeconds {
      sentence +=
        "; waiting would exceed the longest delay of "
        + "\(TimeSpan(seconds: maxDelaySeconds).spoken), so the message is blocked"
    }
    if let rollout {
      sentence +=
        rollout.enforced
        ? " (rolled out to \(rollout.enforce) of customers, this one among them)"
        : " (rolled out to \(rollout.enforce) of customers, not yet this one: reported, not "
          + "enforced)"
    } else if effect == .shadow {
      sentence += " (shadow rule: reported, not enforced)"
    }
    return sentence
  }

  public var facts: Facts {
    var facts = finding.facts
    if let maxDelaySeconds {
      facts.append("max_delay", .text(TimeSpan(seconds: maxDelaySeconds).description))
    }
    return facts
  }
}

extension Reason: Encodable {
  enum CodingKeys: String, CodingKey { case rule, code, effect, message, facts, rollout }
  enum RolloutKeys: String, CodingKey { case enforce, enforced }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(rule, forKey: .rule)
    try container.encode(code, forKey: .code)
    try container.encode(effect, forKey: .effect)
    try container.encode(message, forKey: .message)
    try container.encode(facts, forKey: .facts)
    // Only where a rollout applies: older records' content (and hashes) stay as they were.
    if let rollout {
      var nested = container.nestedContainer(keyedBy: RolloutKeys.self, forKey: .rollout)
      try nested.encode(rollout.enforce.description, forKey: .enforce)
      try nested.encode(rollout.enforced, forKey: .enforced)
    }
  }
}
