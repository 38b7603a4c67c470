import Foundation
import GovernorCore

/// What `governor compliance report` shows for a period: every opt-out against each law's
/// deadline, the complaint and bounce rates by day, the reputation brakes' changes and the
/// decisions they braked, and how long unsubscribe links keep working.
public struct ComplianceReport: Sendable {
  public var since: Date
  public var until: Date
  public var policy: PolicyReference
  public var calendars: [HolidayCalendar]
  public var optOuts: [OptOutFinding]
  /// Per day of sending and sending domain, then per day and campaign.
  public var rates: [RateRow]
  public var brakeChanges: [BrakeChange]
  /// Decisions a reputation brake held back (blocked or deferred), by rule.
  public var brakedDecisions: [String: Int]
  /// How many previous unsubscribe secrets still open links (beside the current one).
  public var previousSecrets: Int

  /// One day's counts for one sending domain or campaign.
  public struct RateRow: Hashable, Sendable {
    public var day: String
    public var scope: ReputationPolicy.Scope
    public var key: String
    public var delivered: Int
    public var hardBounced: Int
    public var complained: Int
    public var complaintRate: Rate { .measured(complained, of: delivered) }
    public var bounceRate: Rate { .measured(hardBounced, of: delivered + hardBounced) }
  }

  /// How many opt-outs met a deadline, missed it, or could not be judged (no calendar).
  public func tally(_ deadline: OptOutDeadline) -> (met: Int, missed: Int, unknown: Int) {
    var tally = (met: 0, missed: 0, unknown: 0)
    for finding in optOuts {
      switch finding.verdicts.first(where: { $0.deadline == deadline })?.met {
      case true?: tally.met += 1
      case false?: tally.missed += 1
      case nil: tally.unknown += 1
      }
    }
    return tally
  }

  /// Reads what the report needs from the store; `engine` decides which sends each opt-out
  /// should have stopped.
  public static func gather(
    from store: any Store, engine: Engine, calendars: [HolidayCalendar], since: Date,
    until: Date, previousSecrets: Int
  ) async throws -> ComplianceReport {
    let audit = OptOutAudit(engine: engine, calendars: calendars)
    var optOuts: [OptOutFinding] = []
    for customerId in try await store.customersOptedOut(since: since) {
      guard let export = try await store.exportCustomer(customerId) else { continue }
      var bypass: [BypassEvent] = []
      if let email = export.profile.email {
        bypass = try await store.bypassEvents(toAddress: email, since: since)
      }
      let recordings = try await store.optOutRecordings(customerId: customerId)
      for var finding in audit.findings(export, since: since, bypass: bypass) {
        finding.recordedAt =
          recordings.first {
            $0.kind == finding.kind && $0.scope == finding.scope
              && abs($0.at.timeIntervalSince(finding.at)) < 0.001
          }?.recordedAt
        optOuts.append(finding)
      }
    }
    optOuts.sort { ($0.at, $0.customerId) < ($1.at, $1.customerId) }
    var braked: [String: Int] = [:]
    for measure in ReputationPolicy.Measure.allCases {
      let rule = ReputationPolicy.ruleId(measure)
      var query = DecisionQuery(rule: rule, since: since, until: until, limit: 1_000)
      while true {
        let page = try await store.decisions(matching: query)
        braked[rule, default: 0] += page.filter { $0.outcome != .forwarded }.count
        guard page.count == query.limit, let last = page.last else { break }
        query.before = last.sequence
      }
    }
    return ComplianceReport(
      since: since, until: until, policy: engine.policy.reference, calendars: calendars,
      optOuts: optOuts,
      rates: rates(try await store.deliveryCounts(since: DeliveryCount.day(of: since))),
      brakeChanges: try await store.brakeChanges(since: since).filter { $0.at <= until },
      brakedDecisions: braked.filter { $0.value > 0 }, previousSecrets: previousSecrets)
  }

  static func rates(_ counts: [DeliveryCount]) -> [RateRow] {
    var rows: [String: RateRow] = [:]
    for count in counts {
      for scope in ReputationPolicy.Scope.allCases {
        let key = scope == .sendingDomain ? count.sendingDomain : count.campaignId
        guard !key.isEmpty else { continue }
        let id = "\(count.day) \(scope.rawValue) \(key)"
        var row =
          rows[id]
          ?? RateRow(
            day: count.day, scope: scope, key: key, delivered: 0, hardBounced: 0, complained: 0)
        row.delivered += count.delivered
        row.hardBounced += count.hardBounced
        row.complained += count.complained
        rows[id] = row
      }
    }
    return rows.values.sorted {
      ($0.scope == .sendingDomain ? 0 : 1, $0.key, $0.day)
        < ($1.scope == .sendingDomain ? 0 : 1, $1.key, $1.day)
    }
  }
}
