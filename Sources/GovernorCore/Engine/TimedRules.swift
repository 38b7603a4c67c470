import Foundation

/// The rules that time alone can satisfy — caps, the customer's preference, quiet hours —
/// evaluated for one decision over the customer's timeline.
struct TimedRules {
  let plan: CategoryPlan
  /// The customer's own "at most N per window", when the category honours it.
  let preference: CapLimit?
  let timeline: Timeline
  private let rollouts: Rollouts
  private let customerId: String
  /// By cap index, whether the cap's rollout leaves this customer out; empty when the policy
  /// rolls nothing out (the common case costs no allocation).
  private var capsLeftOut: [Bool] = []
  private var preferenceLeftOut = false
  private var quietHoursLeftOut = false

  init(
    plan: CategoryPlan, state: CustomerState, defaultZone: Zone, weekStart: Int, now: Date,
    rollouts: Rollouts
  ) {
    self.plan = plan
    self.rollouts = rollouts
    customerId = state.customerId
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
    if !rollouts.isEmpty {
      let customerId = state.customerId
      func leftOut(_ rule: String) -> Bool {
        rollouts.mark(rule, customerId: customerId)?.enforced == false
      }
      capsLeftOut = plan.caps.map { leftOut($0.ruleId) }
      preferenceLeftOut = leftOut(CategoryPlan.preferenceRuleId)
      quietHoursLeftOut = plan.quietHours.map { leftOut($0.quietHours.ruleId) } ?? false
    }
  }

  /// Whether the cap at `index` is reported only, for this customer.
  private func capShadowed(_ index: Int) -> Bool {
    plan.caps[index].shadow || (!capsLeftOut.isEmpty && capsLeftOut[index])
  }

  struct Result {
    /// One reason per rule that holds the message now.
    var reasons: [Reason] = []
    /// The earliest time every enforced timed rule passes; nil if none holds the message
    /// now, or if none ever will.
    var release: Date?

    /// Recorded as a block; `evaluate` turns a deferring rule's block into a defer once it
    /// knows the release time is within the rule's `max_delay`.
    mutating func add(
      _ rule: String, _ finding: Finding, _ action: HoldAction, shadow: Bool,
      rollout: RolloutMark? = nil
    ) {
      if reasons.isEmpty { reasons.reserveCapacity(4) }
      var reason = Reason(rule: rule, effect: shadow ? .shadow : .block, finding: finding)
      if !shadow, case .deferUpTo(let maxDelay) = action { reason.maxDelaySeconds = maxDelay }
      reason.rollout = rollout
      reasons.append(reason)
    }
  }

  /// Each reason's effect is decided here: block, or defer when the rule defers and the wait
  /// stays within its `max_delay`.
  func evaluate(at now: Date, receivedAt: Date) -> Result {
    var result = Result()
    // No enforced rule can pass before the latest of their own release times.
    var searchFrom = now
    var passesNever = false
    func note(_ hold: Hold) {
      switch hold {
      case .passes: break
      case .until(let time): searchFrom = max(searchFrom, time)
      case .never: passesNever = true
      }
    }
    let limits = plan.limits
    for index in limits.indices {
      let hold = limits[index].hold(at: now, timeline)
      guard hold != .passes else { continue }
      let cap = plan.caps[index]
      let shadow = capShadowed(index)
      if !shadow { note(hold) }
      if let finding = cap.counting.finding(
        at: now, timeline, hold: hold, categories: cap.categories, byCustomer: false,
        reservedFor: cap.reservedFor)
      {
        result.add(cap.ruleId, finding, cap.action, shadow: shadow, rollout: mark(cap.ruleId))
      }
    }
    if let preference, let categories = plan.preferenceCategories {
      let hold = preference.hold(at: now, timeline)
      if !preferenceLeftOut { note(hold) }
      if let finding = preference.finding(
        at: now, timeline, hold: hold, categories: categories, byCustomer: true)
      {
        result.add(
          CategoryPlan.preferenceRuleId, finding, .block, shadow: preferenceLeftOut,
          rollout: mark(CategoryPlan.preferenceRuleId))
      }
    }
    if let quiet = plan.quietHours, let finding = quiet.check(at: now, timeline) {
      if !quietHoursLeftOut { note(finding.passesAt.map { .until($0) } ?? .never) }
      result.add(
        quiet.quietHours.ruleId, finding, quiet.quietHours.action, shadow: quietHoursLeftOut,
        rollout: mark(quiet.quietHours.ruleId))
    }
    guard Engine.outcome(of: result.reasons) != .forwarded else { return result }

    result.release = passesNever ? nil : earliestPass(from: searchFrom)
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

  private func mark(_ rule: String) -> RolloutMark? {
    rollouts.isEmpty ? nil : rollouts.mark(rule, customerId: customerId)
  }

  /// The earliest instant from `start` at which every enforced timed rule passes at once, or
  /// nil if that never happens. Passing one rule can land inside another (a cap frees at
  /// 22:00, inside quiet hours), so it steps forward until all agree.
  func earliestPass(from start: Date) -> Date? {
    var instant = start
    for _ in 0..<64 {
      var next = instant
      for index in plan.limits.indices where !capShadowed(index) {
        guard Self.advance(&next, past: plan.limits[index].hold(at: next, timeline)) else {
          return nil
        }
      }
      if let preference, !preferenceLeftOut,
        !Self.advance(&next, past: preference.hold(at: next, timeline))
      {
        return nil
      }
      if let quiet = plan.quietHours, !quietHoursLeftOut,
        !Self.advance(&next, past: quiet.hold(at: next, timeline))
      {
        return nil
      }
      if next == instant { return instant }
      instant = next
    }
    return nil
  }

  /// Moves `instant` to when `hold` ends; false when it never does.
  private static func advance(_ instant: inout Date, past hold: Hold) -> Bool {
    switch hold {
    case .passes: return true
    case .until(let time):
      instant = time
      return true
    case .never: return false
    }
  }
}
