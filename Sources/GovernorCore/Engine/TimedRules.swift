import Foundation

/// The rules that time alone can satisfy — caps, the customer's preference, quiet hours —
/// evaluated for one decision over the customer's timeline.
struct TimedRules {
  let plan: CategoryPlan
  /// The customer's own "at most N per window", when the category honours it.
  let preference: CapLimit?
  let timeline: Timeline
  /// The rules a rollout leaves out for this customer: reported, not enforced.
  private let leftOut: RolloutExclusions
  /// Bit `i`: `plan.caps[i]` is reported only, by the policy or by its rollout.
  private let shadowedCaps: UInt64

  init(
    plan: CategoryPlan, state: CustomerState, defaultZone: Zone, weekStart: Int, now: Date,
    leftOut: RolloutExclusions = .none
  ) {
    self.plan = plan
    self.leftOut = leftOut
    shadowedCaps = plan.shadowCaps | leftOut.caps
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

  /// Whether the cap at `index` is reported only, for this customer.
  private func capShadowed(_ index: Int) -> Bool {
    shadowedCaps & (1 << UInt64(index)) != 0
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
      if reasons.isEmpty { reasons.reserveCapacity(4) }
      var reason = Reason(rule: rule, effect: shadow ? .shadow : .block, finding: finding)
      if !shadow, case .deferUpTo(let maxDelay) = action { reason.maxDelaySeconds = maxDelay }
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
        result.add(cap.ruleId, finding, cap.action, shadow: shadow)
      }
    }
    if let preference, let categories = plan.preferenceCategories {
      let hold = preference.hold(at: now, timeline)
      if !leftOut.preference { note(hold) }
      if let finding = preference.finding(
        at: now, timeline, hold: hold, categories: categories, byCustomer: true)
      {
        result.add(CategoryPlan.preferenceRuleId, finding, .block, shadow: leftOut.preference)
      }
    }
    if let quiet = plan.quietHours, let finding = quiet.check(at: now, timeline) {
      if !leftOut.quietHours { note(finding.passesAt.map { .until($0) } ?? .never) }
      result.add(
        quiet.quietHours.ruleId, finding, quiet.quietHours.action, shadow: leftOut.quietHours)
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
      if let preference, !leftOut.preference,
        !Self.advance(&next, past: preference.hold(at: next, timeline))
      {
        return nil
      }
      if let quiet = plan.quietHours, !leftOut.quietHours,
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

/// Which of a plan's timed rules a rollout leaves out for one customer. Plain bits, so the
/// common case (nothing rolled out) costs a decision nothing.
struct RolloutExclusions {
  /// Bit `i`: `plan.caps[i]` (a policy has at most 64 caps).
  var caps: UInt64 = 0
  var preference = false
  var quietHours = false

  static let none = RolloutExclusions()

  init() {}

  init(plan: CategoryPlan, rollouts: Rollouts, customerId: String) {
    func leftOut(_ rule: String) -> Bool {
      rollouts.mark(rule, customerId: customerId)?.enforced == false
    }
    for (index, cap) in plan.caps.enumerated() where leftOut(cap.ruleId) {
      caps |= 1 << UInt64(index)
    }
    preference = leftOut(CategoryPlan.preferenceRuleId)
    quietHours = plan.quietHours.map { leftOut($0.quietHours.ruleId) } ?? false
  }
}
