/// A validated policy: the rules one gateway enforces, and the identity (name and sha256 of
/// its text) every decision records.
///
/// A `Policy` only exists after `PolicyLoader` has checked it whole, so the engine never meets
/// an unknown category, an impossible cap or a bad time zone while deciding.
public struct Policy: Sendable {
  public var name: String
  public var summary: String?
  /// `sha256:` and the hex digest of `text`.
  public var version: String
  /// The policy file's text, followed by each tracker list it names: exactly what decided,
  /// so a changed list is a new version.
  public var text: String
  public var defaultZone: Zone
  /// ISO weekday on which calendar weeks start (1 Monday … 7 Sunday).
  public var weekStart: Int
  /// Categories in the order the file declares them.
  public var categories: [Category]
  public var consent: ConsentPolicy
  public var suppression: SuppressionPolicy
  public var caps: [Cap]
  public var frequencyPreference: FrequencyPreferenceRule?
  public var quietHours: QuietHours?
  public var tracking: TrackingPolicy
  /// The tracker lists `tracking.lists` names, merged.
  public var trackers: TrackerLists
  public var headers: HeaderPolicy
  /// The brake on the whole mailing; nil: none.
  public var reputation: ReputationPolicy?
  /// What the law requires the content to show, and who the sender is.
  public var content = ContentPolicy()
  /// Rules enforced for a share of customers and shadowed for the rest (`enforce: 10%`).
  public var rollouts: [Rollout] = []

  /// The same rules, each enforced for every customer: what a replay compares a rollout with.
  public var enforcedEverywhere: Policy {
    var policy = self
    policy.rollouts = []
    return policy
  }

  public func category(named name: String) -> Category? {
    categories.first { $0.name == name }
  }

  /// The category a door's label names: a category's own name, or one of its `aliases`
  /// (`asm:1234` for a SendGrid unsubscribe group, a SendGrid category, a Mailgun tag, an SES
  /// topic). Names and aliases are unique across the policy, so the answer is never a guess.
  public func categoryName(for label: String) -> String? {
    if category(named: label) != nil { return label }
    return categories.first { $0.aliases.contains(label) }?.name
  }

  public var reference: PolicyReference { PolicyReference(name: name, version: version) }
}

/// Which policy text made a decision.
public struct PolicyReference: Codable, Hashable, Sendable {
  public var name: String
  public var version: String

  public init(name: String, version: String) {
    self.name = name
    self.version = version
  }
}

/// A kind of mail (transactional, marketing, newsletter, …) and what it needs.
public struct Category: Hashable, Sendable {
  public var name: String
  /// Consent purposes the recipient must have granted.
  public var purposes: [String]
  /// Whether caps (and the customer's frequency preference) apply to it, by default.
  public var capped: Bool
  /// Whether quiet hours apply to it, by default.
  public var quietHours: Bool
  /// What a message to an address other than the customer's known one gets.
  public var addressMismatch: AddressMismatch
  /// Other names the ESP doors know this category by (`asm:1234`, a SendGrid category, a
  /// Mailgun tag, an SES topic).
  public var aliases: [String] = []

  public static let maximumCount = 64
}

/// What the policy does with a message whose recipient is not the address the customer is
/// known by: consent and suppressions were given for an address, so mail to another one
/// reaches a person who may never have agreed (a stale mapping, a shared account, a recycled
/// id).
public enum AddressMismatch: String, Hashable, Sendable, CaseIterable {
  /// Blocked: the default for every category that needs consent (GDPR consent is specific).
  case block
  /// Sent, with the mismatch recorded as a shadow reason: the default for the rest.
  case report
  /// Sent, nothing recorded (a receipt to the address given at checkout, say).
  case allow

  public static func defaultFor(needsConsent: Bool) -> AddressMismatch {
    needsConsent ? .block : .report
  }
}

/// The customer's frequency preference applies to these categories.
public struct FrequencyPreferenceRule: Hashable, Sendable {
  public var categories: [String]
  public var ruleId: String { CategoryPlan.preferenceRuleId }
}
