import Foundation

/// What a dry-run found, counted as it goes: outcomes, the rules and reasons behind blocked
/// and deferred messages, the tracking that would be removed, and when deferred messages
/// would go out (by hour).
public struct DryRunSummary: Sendable, Encodable {
  public let policy: PolicyReference
  public let campaignId: String
  public let at: Date
  public private(set) var recipients = 0
  public private(set) var forwarded = 0
  public private(set) var blocked = 0
  public private(set) var deferred = 0
  /// Per rule id: how many messages it blocked, deferred, only reported (shadow), or let
  /// through with a note (an allowed address mismatch, consent carried over).
  public private(set) var rules: [String: RuleCounts] = [:]
  /// Per reason code (`consent_missing`, `cap_exceeded`, …): messages held back for it.
  public private(set) var reasons: [String: Int] = [:]
  /// Per modification kind: how many changes the forwarded messages would get.
  public private(set) var modifications: [String: Int] = [:]
  /// Forwarded messages from which tracking would be removed.
  public private(set) var messagesWithTrackingRemoved = 0
  /// Deferred messages by the hour they would go out (start of the hour, UTC).
  public private(set) var releases: [Date: Int] = [:]

  struct Release: Encodable {
    var hour: Date
    var messages: Int
  }

  public struct RuleCounts: Sendable, Encodable, Equatable {
    public var blocked = 0
    public var deferred = 0
    public var shadow = 0
    public var noted = 0

    public init(blocked: Int = 0, deferred: Int = 0, shadow: Int = 0, noted: Int = 0) {
      self.blocked = blocked
      self.deferred = deferred
      self.shadow = shadow
      self.noted = noted
    }
  }

  public init(policy: PolicyReference, campaignId: String, at: Date) {
    self.policy = policy
    self.campaignId = campaignId
    self.at = at
  }

  public mutating func add(_ decision: Decision) {
    recipients += 1
    switch decision.outcome {
    case .forwarded: forwarded += 1
    case .blocked: blocked += 1
    case .deferred: deferred += 1
    case .failed: break  // set by the gateway after sending; a dry-run sends nothing
    }
    for reason in decision.reasons {
      switch reason.effect {
      case .block: rules[reason.rule, default: RuleCounts()].blocked += 1
      case .defer: rules[reason.rule, default: RuleCounts()].deferred += 1
      case .shadow: rules[reason.rule, default: RuleCounts()].shadow += 1
      case .note: rules[reason.rule, default: RuleCounts()].noted += 1
      }
      if reason.holdsBack {
        reasons[reason.code, default: 0] += 1
      }
    }
    var removedTracking = false
    for change in decision.modifications {
      modifications[change.kind, default: 0] += 1
      if TrackingChange.removals.contains(change.kind) { removedTracking = true }
    }
    if removedTracking { messagesWithTrackingRemoved += 1 }
    if decision.outcome == .deferred, let release = decision.notBefore {
      let hour = (release.timeIntervalSince1970 / 3600).rounded(.down) * 3600
      releases[Date(timeIntervalSince1970: hour), default: 0] += 1
    }
  }

  /// Blocked messages as a share of all recipients (0 for an empty run).
  public var blockedShare: Double {
    recipients == 0 ? 0 : Double(blocked) / Double(recipients)
  }

  /// Lines a person reads after the run.
  public var lines: [String] {
    func percent(_ count: Int) -> String {
      recipients == 0 ? "" : String(format: " (%.1f%%)", Double(count) * 100 / Double(recipients))
    }
    var lines = [
      "campaign \(campaignId) at \(at.formatted(.iso8601)), policy \(policy.name) \(policy.version)",
      "\(recipients) recipients: \(forwarded) would be forwarded\(percent(forwarded)), "
        + "\(blocked) blocked\(percent(blocked)), \(deferred) deferred\(percent(deferred))",
    ]
    if !rules.isEmpty {
      lines.append("by rule:")
      for (rule, counts) in rules.sorted(by: { $0.key < $1.key }) {
        let parts = [
          counts.blocked > 0 ? "\(counts.blocked) blocked" : nil,
          counts.deferred > 0 ? "\(counts.deferred) deferred" : nil,
          counts.shadow > 0 ? "\(counts.shadow) reported (shadow)" : nil,
          counts.noted > 0 ? "\(counts.noted) let through with a note" : nil,
        ].compactMap { $0 }
        lines.append("  \(rule): \(parts.joined(separator: ", "))")
      }
    }
    if !reasons.isEmpty {
      lines.append("by reason:")
      for (code, count) in reasons.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
        lines.append("  \(code): \(count)")
      }
    }
    if !releases.isEmpty, let first = releases.keys.min(), let last = releases.keys.max() {
      lines.append(
        "deferred messages would go out from \(first.formatted(.iso8601)) "
          + "to \(last.addingTimeInterval(3599).formatted(.iso8601))")
    }
    if modifications.isEmpty {
      lines.append("tracking: nothing would be removed")
    } else {
      lines.append(
        "tracking: removed from \(messagesWithTrackingRemoved) of \(forwarded) forwarded messages")
      for (kind, count) in modifications.sorted(by: { $0.key < $1.key }) {
        lines.append("  \(kind): \(count)")
      }
    }
    return lines
  }

  enum CodingKeys: String, CodingKey {
    case policy
    case campaignId = "campaign_id"
    case at, recipients, forwarded, blocked, deferred
    case rules, reasons, modifications, releases
    case messagesWithTrackingRemoved = "messages_with_tracking_removed"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(policy, forKey: .policy)
    try container.encode(campaignId, forKey: .campaignId)
    try container.encode(at, forKey: .at)
    try container.encode(recipients, forKey: .recipients)
    try container.encode(forwarded, forKey: .forwarded)
    try container.encode(blocked, forKey: .blocked)
    try container.encode(deferred, forKey: .deferred)
    try container.encode(rules, forKey: .rules)
    try container.encode(reasons, forKey: .reasons)
    try container.encode(modifications, forKey: .modifications)
    try container.encode(messagesWithTrackingRemoved, forKey: .messagesWithTrackingRemoved)
    let releases = self.releases.sorted { $0.key < $1.key }.map {
      Release(hour: $0.key, messages: $0.value)
    }
    try container.encode(releases, forKey: .releases)
  }
}
