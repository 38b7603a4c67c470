import Foundation

/// The rules that time alone can satisfy — caps, the customer's preference, quiet hours —
/// evaluated for one decision over the customer's timeline.
struct TimedRules {
  let plan: CategoryPlan
  /// The customer's own "at most N per window", when the category honours it.
  let preference: CapLimit?
  let timeline: Timeline

  init(plan: CategoryPlan, state: CustomerState, defaultZone: Zone, weekStart: Int, now: Date) {
    self.plan = plan
    if plan.preferenceCategories != nil, let choice = state.frequencyPreference {
      preference = CapLimit(
        limit: .count(max: choice.max, window: choice.window), scope: plan.preferenceScope)
    } else {
      preference = nil
    }
    let lookback = max(plan.lookback, preference?.lookback ?? 0)
    timeline = Timeline(
      sends: state.sends, since: now.addingTimeInterval(-lookback), now: now,
      zone: state.timeZone ?? defaultZone, weekStart: weekStart, bit: plan.bit(of:))
  }

  struct Result {
    /// One reason per rule that holds the message now.
    var reasons: [Reason] = []
    /// The earliest time every enforced timed rule passes; nil if none holds the message
    /// now, or if none ever will.
    var release: Date?

    /// Recorded as a block; `evaluate` turns a deferring rule's block into a defer once it
    /// knows the release time is within the rule's `max_delay`.
    mutating func add(_ rule: String, _ finding: Finding, _ action: HoldAction, shadow: Bool) {
      var reason = Reason(rule: rule, effect: shadow ? .shadow : .block, finding: finding)
      if !shadow, case .deferUpTo(let maxDelay) = action { reason.maxDelaySeconds = maxDelay }
      reasons.append(reason)
    }
  }

  /// Each reason's effect is decided here: block, or defer when the rule defers and the wait
  /// stays within its `max_delay`.
  func evaluate(at now: Date, receivedAt: Date) -> Result {
    var result = Result()
    for cap in plan.caps {
      if let finding = cap.counting.finding(
        at: now, timeline, categories: cap.categories, byCustomer: false)
      {
        result.add(cap.ruleId, finding, cap.action, shadow: cap.shadow)
      }
    }
    if let preference, let categories = plan.preferenceCategories,
      let finding = preference.finding(
        at: now, timeline, categories: categories, byCustomer: true)
    {
      result.add(CategoryPlan.preferenceRuleId, finding, .block, shadow: false)
    }
    if let quiet = plan.quietHours, let finding = quiet.check(at: now, zone: timeline.zone) {
      result.add(quiet.quietHours.ruleId, finding, quiet.quietHours.action, shadow: false)
    }
    let enforcedHold = result.reasons.contains { $0.effect != .shadow }
    guard enforcedHold else { return result }

    result.release = earliestPass(from: now)
    for index in result.reasons.indices {
      guard let maxDelay = result.reasons[index].maxDelaySeconds else { continue }
      if let release = result.release,
        release.timeIntervalSince(receivedAt) <= TimeInterval(maxDelay)
      {
        result.reasons[index].effect = .defer
        result.reasons[index].maxDelaySeconds = nil
      }
    }
    return result
  }

  /// The earliest instant from `start` at which every enforced timed rule passes at once, or
  /// nil if that never happens. Passing one rule can land inside another (a cap frees at
  /// 22:00, inside quiet hours), so it steps forward until all agree.
  func earliestPass(from start: Date) -> Date? {
    var instant = start
    for _ in 0..<64 {
      var next = instant
      for cap in plan.caps where !cap.shadow {
        switch cap.counting.hold(at: next, timeline) {
        case .passes: break
        case .until(let time): next = time
        case .never: return nil
        }
      }
      if let preference {
        switch preference.hold(at: next, timeline) {
        case .passes: break
        case .until(let time): next = time
        case .never: return nil
        }
      }
      if let quiet = plan.quietHours,
        case .until(let time) = quiet.hold(at: next, zone: timeline.zone)
      {
        next = time
      }
      if next == instant { return instant }
      instant = next
    }
    return nil
  }
}
