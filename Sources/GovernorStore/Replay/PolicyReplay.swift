import Foundation
import GovernorCore

/// Recorded traffic decided again under a proposed policy: which decisions would flip, by
/// rule and campaign, with examples. Changes nothing.
///
/// Each recorded message is decided as it was, at its recorded time, against the customer as
/// the store shows them at that time: consent events up to then, suppressions in force then
/// (lifted ones included until they were lifted), sends reserved before it (not failed, not the
/// message itself), the customer's current profile (zone and preference have no history).
/// The message's parts are not recorded, so tracking and the content rules are not replayed:
/// outcomes are compared.
/// Nor is its address; but a decision records (as a block, shadow reason or note) that the
/// message went to an address other than the customer's, and such a message is replayed to
/// an address other than the profile's, so a change to `address_mismatch` shows.
///
/// A policy with a reputation brake brakes each message by the rates of its day, worked out
/// from `deliveryCounts` as they stand now (reports that came in after the decision included),
/// by its campaign and by its From domain (recorded in decisions since the brake exists).
///
/// A policy that rolls rules out (`enforce: 10%`) is also decided with every rule enforced for
/// everyone, wherever a rollout left the customer out: the report says, per rule, what
/// finishing the rollout would change.
public struct PolicyReplay {
  public let engine: Engine
  /// The policy with its rollouts finished; nil when it rolls nothing out.
  private let everywhere: Engine?
  public private(set) var report: ReplayReport
  private let assessment: ReputationAssessment?
  private let deliveryCounts: [DeliveryCount]
  /// By day: every decision of a day is braked by the same book.
  private var books: [CivilDate: ReputationBook] = [:]

  public init(engine: Engine, deliveryCounts: [DeliveryCount] = []) {
    self.engine = engine
    self.deliveryCounts = deliveryCounts
    assessment = engine.policy.reputation.map(ReputationAssessment.init(policy:))
    report = ReplayReport(policy: engine.policy.reference)
    everywhere =
      engine.policy.rollouts.isEmpty ? nil : Engine(policy: engine.policy.enforcedEverywhere)
  }

  /// `engine` with the brakes of `at`'s day.
  private mutating func braked(_ engine: Engine, at instant: Date) -> Engine {
    guard let assessment else { return engine }
    let day = CivilDate(utcDayOf: instant)
    let book = books[day] ?? assessment.assess(deliveryCounts, at: day.startInUTC)
    books[day] = book
    var engine = engine
    engine.reputation = book
    return engine
  }

  /// Decides `entry` again from `customer`'s history (nil: the customer was erased since; the
  /// decision is skipped and counted).
  public mutating func replay(_ entry: AuditEntry, customer: CustomerExport?) {
    guard let customer, let recorded = RecordedDecision(entry) else {
      report.skipped += 1
      return
    }
    let at = entry.decidedAt
    var state = CustomerState(
      customerId: entry.customerId, email: customer.profile.email,
      timeZone: customer.profile.timeZone.flatMap(Zone.init(identifier:)),
      frequencyPreference: customer.profile.frequencyPreference)
    state.consents = customer.consents.filter { $0.at <= at }
    state.suppressions = customer.suppressions.filter {
      $0.suppression.at <= at && ($0.liftedAt.map { $0 > at } ?? true)
    }.map(\.suppression)
    state.sends = SendHistory(
      customer.sends.filter {
        $0.reservedAt < at && $0.status != .failed && $0.messageId != entry.messageId
      }.map { SendRecord(at: $0.reservedAt, category: $0.category, campaignId: $0.campaignId) })
    var recipient = customer.profile.email ?? ""
    if let mismatch = recorded.reasons.first(where: { $0.code == Self.addressMismatch }) {
      recipient = Self.otherAddress
      state.addressDigests = AddressDigests(
        known: mismatch.facts.first { $0.name == "known_address_digest" }?.value,
        recipient: mismatch.facts.first { $0.name == "recipient_digest" }?.value)
    }
    let message = Message(
      id: entry.messageId, customerId: entry.customerId, to: recipient,
      from: entry.sendingDomain.map { "sender@\($0)" } ?? "", subject: "",
      category: recorded.category, campaignId: entry.campaignId, receivedAt: at)
    let decision = braked(engine, at: at).evaluate(message, for: state, at: at)
    let enforced = recorded.reasons.filter { $0.effect == "block" || $0.effect == "defer" }
    report.add(entry: entry, recordedRules: enforced.map(\.rule), now: decision)
    guard let everywhere, decision.reasons.contains(where: { $0.rollout != nil }) else { return }
    var whole: Decision?
    if decision.reasons.contains(where: { $0.rollout?.enforced == false }) {
      whole = braked(everywhere, at: at).evaluate(message, for: state, at: at)
    }
    report.addRollouts(decision, enforcedEverywhere: whole)
  }

  static let addressMismatch = Finding.addressMismatch(knownDigest: nil, recipientDigest: nil)
    .code
  /// Stands for the recorded recipient, which is not kept: any address but the profile's
  /// (`.invalid` is reserved, RFC 2606, so it is nobody's).
  static let otherAddress = "recipient@replay.invalid"
}

/// What a replay found.
public struct ReplayReport: Sendable, Encodable {
  public let policy: PolicyReference
  public var replayed = 0
  public var unchanged = 0
  /// Decisions that could not be replayed (customer erased, record unreadable).
  public var skipped = 0
  /// `blocked → forwarded` and the like, with counts.
  public var flips: [String: Int] = [:]
  /// For each rule, flips it caused (newly held back by it) or released (no longer held).
  public var rules: [String: RuleFlips] = [:]
  public var campaigns: [String: Int] = [:]
  public var examples: [Example] = []
  public static let maximumExamples = 10
  /// Per rolled-out rule: whom it held back, whom it only reported, and what enforcing it for
  /// everyone would change.
  public var rollouts: [String: RolloutCounts] = [:]
  /// The flips (`forwarded → blocked`) that finishing every rollout would make.
  public var rolloutFlips: [String: Int] = [:]

  public struct RolloutCounts: Sendable, Encodable, Equatable {
    public var enforce: String
    /// Decisions in which the rule found something, for a customer in its share.
    public var enforced = 0
    /// The same, for a customer outside it: reported only.
    public var shadowed = 0
    /// Of the shadowed, decisions that enforcing it for everyone would hold back.
    public var wouldHold = 0

    enum CodingKeys: String, CodingKey {
      case enforce, enforced, shadowed
      case wouldHold = "would_hold"
    }
  }

  public struct RuleFlips: Sendable, Encodable, Equatable {
    public var held = 0
    public var released = 0
  }

  public struct Example: Sendable, Encodable, Equatable {
    public var decisionId: String
    public var messageId: String
    public var customerId: String
    public var campaignId: String?
    public var was: String
    public var now: String
    public var reasons: [String]

    enum CodingKeys: String, CodingKey {
      case was, now, reasons
      case decisionId = "decision_id"
      case messageId = "message_id"
      case customerId = "customer_id"
      case campaignId = "campaign_id"
    }
  }

  public init(policy: PolicyReference) {
    self.policy = policy
  }

  mutating func add(entry: AuditEntry, recordedRules: [String], now decision: Decision) {
    replayed += 1
    // A message the gateway could not send was still forwarded by the engine.
    let was = entry.outcome == .failed ? Outcome.forwarded : entry.outcome
    guard decision.outcome != was else {
      unchanged += 1
      return
    }
    flips["\(was.rawValue) → \(decision.outcome.rawValue)", default: 0] += 1
    let nowRules = decision.reasons.filter(\.holdsBack).map(\.rule)
    for rule in Set(nowRules).subtracting(recordedRules) { rules[rule, default: .init()].held += 1 }
    for rule in Set(recordedRules).subtracting(nowRules) {
      rules[rule, default: .init()].released += 1
    }
    campaigns[entry.campaignId ?? "(none)", default: 0] += 1
    if examples.count < Self.maximumExamples {
      examples.append(
        Example(
          decisionId: entry.id, messageId: entry.messageId, customerId: entry.customerId,
          campaignId: entry.campaignId, was: was.rawValue, now: decision.outcome.rawValue,
          reasons: decision.reasons.map { "\($0.rule): \($0.message)" }))
    }
  }

  mutating func addRollouts(_ decision: Decision, enforcedEverywhere whole: Decision?) {
    let changes = whole.map { $0.outcome != decision.outcome } ?? false
    if let whole, changes {
      rolloutFlips["\(decision.outcome.rawValue) → \(whole.outcome.rawValue)", default: 0] += 1
    }
    for reason in decision.reasons {
      guard let mark = reason.rollout else { continue }
      var counts = rollouts[reason.rule] ?? RolloutCounts(enforce: mark.enforce.description)
      if mark.enforced {
        counts.enforced += 1
      } else {
        counts.shadowed += 1
        if changes { counts.wouldHold += 1 }
      }
      rollouts[reason.rule] = counts
    }
  }

  public var flipped: Int { replayed - unchanged }

  /// What finishing the rollouts would do, for the text report.
  private var rolloutLines: [String] {
    guard !rollouts.isEmpty else { return [] }
    var lines = ["rolled out (enforce: N%):"]
    for (rule, counts) in rollouts.sorted(by: { $0.key < $1.key }) {
      lines.append(
        "  \(rule) at \(counts.enforce): held back \(counts.enforced), reported only "
          + "\(counts.shadowed); enforced for everyone, \(counts.wouldHold) more would be held back"
      )
    }
    for (flip, count) in rolloutFlips.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
      lines.append("  enforced for everyone: \(flip): \(count)")
    }
    return lines
  }

  public var lines: [String] {
    var lines = [
      "replayed \(replayed) decisions under policy \(policy.name) \(policy.version): "
        + "\(flipped) would change, \(unchanged) would not"
        + (skipped > 0 ? " (\(skipped) skipped: customer erased or record unreadable)" : "")
    ]
    guard flipped > 0 else { return lines + rolloutLines }
    lines.append("changes:")
    for (flip, count) in flips.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
      lines.append("  \(flip): \(count)")
    }
    lines.append("by rule:")
    for (rule, counts) in rules.sorted(by: { $0.key < $1.key }) {
      let parts = [
        counts.held > 0 ? "\(counts.held) newly held back" : nil,
        counts.released > 0 ? "\(counts.released) no longer held back" : nil,
      ].compactMap { $0 }
      lines.append("  \(rule): \(parts.joined(separator: ", "))")
    }
    lines.append("by campaign:")
    for (campaign, count) in campaigns.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
      lines.append("  \(campaign): \(count)")
    }
    lines.append("examples:")
    for example in examples {
      lines.append(
        "  \(example.decisionId) \(example.messageId) customer \(example.customerId): "
          + "\(example.was) → \(example.now)")
      for reason in example.reasons { lines.append("    - \(reason)") }
    }
    return lines + rolloutLines
  }

  enum CodingKeys: String, CodingKey {
    case policy, replayed, unchanged, skipped, flips, rules, campaigns, examples, rollouts
    case rolloutFlips = "rollout_flips"
  }
}
