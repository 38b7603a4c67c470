import Foundation

/// The rules that time alone can satisfy — caps, the customer's preference, quiet hours —
/// evaluated for one decision over the customer's timeline.
struct TimedRules {
  let caps: [CapRule]
  let quietHours: QuietHoursRule?
  let timeline: Timeline

  init(
    plan: CategoryPlan, state: CustomerState, policy: Policy, now: Date,
    bit: (String) -> UInt64
  ) {
    var caps = plan.caps
    if let categories = plan.preferenceCategories, let preference = state.frequencyPreference {
      caps.append(
        CapRule(
          ruleId: "caps.customer_preference",
          limit: .count(max: preference.max, window: preference.window),
          categories: categories, scope: plan.preferenceScope, action: .block, shadow: false,
          source: .customerPreference))
    }
    self.caps = caps
    quietHours = plan.quietHours
    let lookback = caps.map(\.lookback).max() ?? 0
    timeline = Timeline(
      sends: state.sends, since: now.addingTimeInterval(-lookback),
      zone: state.timeZone ?? policy.defaultZone, weekStart: policy.weekStart, bit: bit)
  }

  /// One reason per rule that holds the message at `now`, with its effect decided: block, or
  /// defer when the rule defers and the wait stays within its `max_delay`.
  func findings(at now: Date, receivedAt: Date) -> [Reason] {
    var pending: [(rule: String, finding: Finding, action: HoldAction, shadow: Bool)] = []
    for cap in caps {
      if let finding = cap.check(at: now, timeline) {
        pending.append((cap.ruleId, finding, cap.action, cap.shadow))
      }
    }
    if let quietHours, let finding = quietHours.check(at: now, zone: timeline.zone) {
      pending.append((quietHours.quietHours.ruleId, finding, quietHours.quietHours.action, false))
    }
    guard !pending.isEmpty else { return [] }

    let release = pending.contains { !$0.shadow } ? earliestPass(from: now) : nil
    return pending.map { rule, finding, action, shadow in
      if shadow { return Reason(rule: rule, effect: .shadow, finding: finding) }
      guard case .deferUpTo(let maxDelay) = action else {
        return Reason(rule: rule, effect: .block, finding: finding)
      }
      if let release, release.timeIntervalSince(receivedAt) <= TimeInterval(maxDelay) {
        return Reason(rule: rule, effect: .defer, finding: finding)
      }
      return Reason(rule: rule, effect: .block, finding: finding, maxDelaySeconds: maxDelay)
    }
  }

  /// The earliest instant from `start` at which every enforced timed rule passes at once, or
  /// nil if that never happens. Passing one rule can land inside another (a cap frees at
  /// 22:00, inside quiet hours), so it steps forward until all agree.
  func earliestPass(from start: Date) -> Date? {
    var instant = start
    for _ in 0..<64 {
      var next = instant
      for cap in caps where !cap.shadow {
        switch cap.hold(at: next, timeline) {
        case .passes: break
        case .until(let time): next = time
        case .never: return nil
        }
      }
      if let quietHours, case .until(let time) = quietHours.hold(at: next, zone: timeline.zone) {
        next = time
      }
      if next == instant { return instant }
      instant = next
    }
    return nil
  }
}
