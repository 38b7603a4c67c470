/// A rule enforced for a share of customers and shadowed (reported, not enforced) for the
/// rest: how a stricter rule is tried on 10% of the list before all of it.
///
/// Each customer has a bucket per rule, from a stable hash of the rule id and the customer id:
/// every node and every restart put a customer in the same bucket, and raising the share only
/// adds customers (the 25% set holds the whole 10% set), so nobody flips back and forth.
/// Hashing the rule id with the customer gives each rule its own sample: the customers of one
/// rule's first 10% are not those of every other rule's.
public struct Rollout: Hashable, Sendable {
  /// The rule id the share applies to (`caps.weekly`, `quiet_hours`, `consent.marketing`, …).
  public var rule: String
  public var enforce: Rate

  public init(rule: String, enforce: Rate) {
    self.rule = rule
    self.enforce = enforce
  }

  /// Where the customer falls for `rule`: 0 ..< 1,000,000, enforced below the share.
  public static func bucket(rule: String, customerId: String) -> Int {
    var hash = StableHash.seed
    StableHash.add(rule, to: &hash)
    // 0xFF never occurs in UTF-8: ("ab", "c") and ("a", "bc") hash apart.
    StableHash.add(0xFF, to: &hash)
    StableHash.add(customerId, to: &hash)
    return Int(StableHash.finish(hash) % 1_000_000)
  }

  public func enforces(customerId: String) -> Bool {
    Self.bucket(rule: rule, customerId: customerId) < enforce.perMillion
  }
}

/// What a decision records of a rollout: the share, and whether this customer is in it.
public struct RolloutMark: Hashable, Sendable {
  /// Parts per million in 32 bits: every reason carries room for a mark.
  private let perMillion: Int32
  public let enforced: Bool

  public var enforce: Rate { Rate(perMillion: Int(perMillion)) }

  public init(enforce: Rate, enforced: Bool) {
    perMillion = Int32(clamping: enforce.perMillion)
    self.enforced = enforced
  }
}

/// The policy's rollouts as the engine asks them, once per rule a decision trips.
/// One array, so carrying it into every decision costs one reference.
struct Rollouts: Sendable {
  private let rollouts: [Rollout]

  init(_ rollouts: [Rollout]) {
    self.rollouts = rollouts
  }

  var isEmpty: Bool { rollouts.isEmpty }

  /// nil for a rule enforced for everyone (no rollout).
  func mark(_ rule: String, customerId: String) -> RolloutMark? {
    for rollout in rollouts where rollout.rule == rule {
      return RolloutMark(
        enforce: rollout.enforce, enforced: rollout.enforces(customerId: customerId))
    }
    return nil
  }
}
