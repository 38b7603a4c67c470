/// The limits a policy sets on one customer's mail, as sentences a customer reads on their
/// preference page ("Marketing and newsletter: at most 1 email a day, 3 in any 7 days; at
/// least 16 hours apart."). Made from the policy model the engine enforces, so the page cannot
/// promise what the rules do not do. Caps in shadow mode or rolled out to a share of customers
/// are left out: they are not a promise to this customer.
public struct CustomerLimits: Hashable, Sendable {
  public struct Line: Hashable, Sendable {
    /// The categories the sentence is about, in the policy's order.
    public var categories: [String]
    public var sentence: String
  }

  public var lines: [Line]

  public init(policy: Policy, preference: FrequencyPreference?, zone: Zone) {
    var lines: [Line] = []
    let trial = Set(policy.rollouts.map(\.rule))
    var groups: [(categories: [String], parts: [String])] = []
    for cap in policy.caps where !cap.shadow && !trial.contains(cap.ruleId) {
      let part = Self.phrase(cap.limit)
      if let index = groups.firstIndex(where: { $0.categories == cap.categories }) {
        groups[index].parts.append(part)
      } else {
        groups.append((cap.categories, [part]))
      }
    }
    for group in groups {
      lines.append(
        Line(
          categories: group.categories,
          sentence: "\(Self.names(group.categories)): \(Self.list(group.parts))."))
    }
    if let preference, let rule = policy.frequencyPreference {
      lines.append(
        Line(
          categories: rule.categories,
          sentence: "Your own choice: at most \(Self.count(preference.max)) "
            + "\(Self.window(preference.window)), for \(Self.names(rule.categories).lowercased()).")
      )
    }
    if let quiet = policy.quietHours, !trial.contains(quiet.ruleId) {
      lines.append(
        Line(
          categories: quiet.categories,
          sentence: "None between \(quiet.start) and \(quiet.end) your time (\(zone.identifier)), "
            + "for \(Self.names(quiet.categories).lowercased())."))
    }
    self.lines = lines
  }

  static func phrase(_ limit: Cap.Limit) -> String {
    switch limit {
    case .count(let max, let window):
      return "at most \(count(max)) \(Self.window(window))"
    case .minimumGap(let seconds):
      return "at least \(TimeSpan(seconds: seconds).spoken) apart"
    }
  }

  static func count(_ max: Int) -> String { max == 1 ? "1 email" : "\(max) emails" }

  static func window(_ window: CapWindow) -> String {
    switch window {
    case .calendar(let unit): return "a \(unit.rawValue)"
    // A rolling window is not a calendar one: "in any 7 days", never "a week".
    case .rolling(let seconds): return "in any \(TimeSpan(seconds: seconds).spoken)"
    }
  }

  /// "Marketing and newsletter", "Marketing, newsletter and survey".
  static func names(_ categories: [String]) -> String {
    let text = list(categories)
    return text.prefix(1).uppercased() + text.dropFirst()
  }

  static func list(_ items: [String]) -> String {
    switch items.count {
    case 0: return ""
    case 1: return items[0]
    default: return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }
  }
}
