import Foundation

/// Works out the brakes from the delivery counts: for each scope key (a sending domain, a
/// campaign) and each rate the policy watches, a walk over the days of sending that engages a
/// step when the window's rate reaches it and releases it only after `resume.days` days in a
/// row below the resume line. A pure function of the counts and the day, so every node and a
/// restarted one come to the same brakes, and a replay can work out those of any past day.
public struct ReputationAssessment: Sendable {
  public let policy: ReputationPolicy

  public init(policy: ReputationPolicy) {
    self.policy = policy
  }

  /// The first day of sending whose counts an assessment at `now` reads.
  public func firstDay(at now: Date) -> CivilDate {
    CivilDate(utcDayOf: now).addingDays(1 - policy.historyDays)
  }

  public func assess(_ counts: [DeliveryCount], at now: Date) -> ReputationBook {
    let today = CivilDate(utcDayOf: now).daysSinceEpoch
    let first = today - policy.historyDays + 1
    let excluded = Set(policy.signals.flatMap(\.baseExcludes))
    var series: [SeriesKey: [Tally]] = [:]
    for count in counts {
      guard let day = CivilDate(iso: count.day)?.daysSinceEpoch, day >= first, day <= today
      else { continue }
      let toExcluded = excluded.contains(count.recipientDomain)
      for scope in policy.scopes {
        let key = scope == .sendingDomain ? count.sendingDomain : count.campaignId
        guard !key.isEmpty else { continue }
        series[
          SeriesKey(scope: scope, key: key),
          default: Array(repeating: Tally(), count: today - first + 1)][
            day - first
          ].add(count, toExcluded: toExcluded)
      }
    }
    var states: [BrakeState] = []
    for (seriesKey, days) in series {
      for signal in policy.signals {
        if let state = walk(days, from: first, signal: signal, seriesKey) { states.append(state) }
      }
    }
    states.sort {
      (Self.scopeOrder($0.scope), $0.key, $0.measure.rawValue)
        < (Self.scopeOrder($1.scope), $1.key, $1.measure.rawValue)
    }
    return ReputationBook(assessedAt: now, states: states)
  }

  private func walk(
    _ days: [Tally], from first: Int, signal: ReputationPolicy.Signal, _ series: SeriesKey
  ) -> BrakeState? {
    let today = first + days.count - 1
    var held: Int?
    var engagedOn = 0
    var rateThen = Rate(perMillion: 0)
    // The last day that was over the resume line (or whose window reached a step).
    var lastBad = 0
    var window = (count: 0, base: 0)
    for index in days.indices {
      let day = first + index
      if held != nil, day - 1 - lastBad >= signal.resume.days { held = nil }
      let added = days[index].measured(signal.measure)
      window.count += added.count
      window.base += added.base
      if index >= policy.windowDays {
        let dropped = days[index - policy.windowDays].measured(signal.measure)
        window.count -= dropped.count
        window.base -= dropped.base
      }
      if window.base >= policy.minDelivered,
        let reached = signal.steps.lastIndex(where: {
          $0.at.isReached(by: window.count, of: window.base)
        }), reached > (held ?? -1)
      {
        // Engages, or moves up a step. The window's rate alone never keeps a brake on: it
        // still holds the day that engaged it, so only the daily rates release it (Gmail: days
        // in a row below the line).
        held = reached
        engagedOn = day
        lastBad = day
        rateThen = .measured(window.count, of: window.base)
      }
      // Today's rate is not in yet: only finished days keep a brake on.
      if held != nil, day < today, signal.resume.below.isReached(by: added.count, of: added.base) {
        lastBad = day
      }
    }
    guard window.base > 0 || held != nil else { return nil }
    return BrakeState(
      measure: signal.measure, scope: series.scope, key: series.key,
      rate: .measured(window.count, of: window.base), count: window.count, base: window.base,
      hasVerdict: window.base >= policy.minDelivered, windowDays: policy.windowDays,
      engaged: held.map {
        EngagedBrake(
          step: signal.steps[$0], engagedOn: CivilDate(daysSinceEpoch: engagedOn),
          rateThen: rateThen, resume: signal.resume,
          releasableAt: CivilDate(daysSinceEpoch: lastBad + signal.resume.days + 1).startInUTC)
      })
  }

  private static func scopeOrder(_ scope: ReputationPolicy.Scope) -> Int {
    ReputationPolicy.Scope.allCases.firstIndex(of: scope) ?? 0
  }

  private struct SeriesKey: Hashable {
    var scope: ReputationPolicy.Scope
    var key: String
  }

  /// One day of sending of one scope key.
  private struct Tally {
    var delivered = 0
    var deliveredToExcluded = 0
    var hardBounced = 0
    var complained = 0

    mutating func add(_ count: DeliveryCount, toExcluded: Bool) {
      delivered += count.delivered
      if toExcluded { deliveredToExcluded += count.delivered }
      hardBounced += count.hardBounced
      complained += count.complained
    }

    /// Complaints count wherever they come from; only the base leaves out the domains that
    /// report none (so the rate errs high, never low).
    func measured(_ measure: ReputationPolicy.Measure) -> (count: Int, base: Int) {
      switch measure {
      case .complaints: return (complained, delivered - deliveredToExcluded)
      case .hardBounces: return (hardBounced, delivered + hardBounced)
      }
    }
  }
}
