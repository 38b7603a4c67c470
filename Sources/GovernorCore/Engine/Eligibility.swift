import Foundation

/// Whether a customer could be sent a message of one category now, and if not, when: what
/// `GET /v1/customers/{id}` shows a campaign tool before it schedules anything.
public struct Eligibility: Hashable, Sendable {
  public var category: String
  public var eligibleNow: Bool
  /// When a block that time alone lifts ends (caps, quiet hours); nil when eligible now or
  /// when only the customer can lift it (consent, suppression).
  public var nextEligibleAt: Date?
  /// What stands in the way; empty when eligible now.
  public var reasons: [Reason]
}

extension Eligibility: Encodable {
  enum CodingKeys: String, CodingKey {
    case category, reasons
    case eligibleNow = "eligible_now"
    case nextEligibleAt = "next_eligible_at"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(category, forKey: .category)
    try container.encode(eligibleNow, forKey: .eligibleNow)
    try container.encode(nextEligibleAt, forKey: .nextEligibleAt)
    try container.encode(reasons, forKey: .reasons)
  }
}

extension Engine {
  /// Asks the engine about a message of each category the policy knows, so the answer is
  /// exactly what a real send would get — no second copy of the rules.
  public func eligibility(of state: CustomerState, at now: Date) -> [Eligibility] {
    policy.categories.map { category in
      let probe = Message(
        id: "eligibility-probe", customerId: state.customerId, to: state.email ?? "",
        from: "", subject: "", category: category.name, receivedAt: now)
      let decision = evaluate(probe, for: state, at: now)
      let enforced = decision.reasons.filter(\.holdsBack)
      return Eligibility(
        category: category.name, eligibleNow: decision.outcome == .forwarded,
        nextEligibleAt: decision.outcome == .forwarded ? nil : decision.notBefore,
        reasons: enforced)
    }
  }
}
