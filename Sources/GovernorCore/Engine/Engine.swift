import Foundation

/// Decides what happens to one message: a pure function of (policy, message, customer
/// state, now). The gateway, the dry-run and policy replay all call it; they differ only in
/// where the state comes from and what they do with the decision.
///
/// Every rule is evaluated, not just the first that fails, so the decision carries every
/// reason. Pipeline order: consent → suppression → caps → quiet hours → tracking → headers.
///
/// The policy is compiled once, in `init`, into a plan per category, so `evaluate` reads
/// no policy structure it does not need.
public struct Engine: Sendable {
  public let policy: Policy
  /// In the policy's order; a scan over a handful of names beats hashing on every decision.
  private let plans: [CategoryPlan]
  private let categoryNames: [String]
  private let suppression: SuppressionRule
  private let trackingConsent: ConsentRule?
  private let listUnsubscribe: ListUnsubscribe?
  private let feedbackID: FeedbackID?
  private let tracking: TrackingLimiter
  /// What the mail sender may add, and the change that says what it may not, for each
  /// consent answer: worked out once, not on every decision.
  private let senderWithoutConsent: (tracking: SenderTracking, change: Modification?)
  private let senderWithConsent: (tracking: SenderTracking, change: Modification?)
  // Copied out of the policy: reading them through `policy` would copy the whole struct.
  private let reference: PolicyReference
  private let defaultZone: Zone
  private let weekStart: Int
  private let blocksOutsideQuery: (withoutConsent: Bool, withConsent: Bool)
  private let reputationHold: (maxDelaySeconds: Int, shadow: Bool)?
  private let rollouts: Rollouts
  private let content: ContentCheck?
  /// The consent that lifts a content rule's advertisement label, by purpose.
  private let affirmativeConsent: [String: ConsentRule]
  /// The mailing's rates and the brakes they hold on, as of their assessment: an input of
  /// every decision like the customer's state (the gateway refreshes it; a dry-run reads it
  /// once; a replay works out each day's).
  public var reputation: ReputationBook = .empty

  public init(policy: Policy) {
    self.policy = policy
    reference = policy.reference
    defaultZone = policy.defaultZone
    weekStart = policy.weekStart
    categoryNames = policy.categories.map(\.name)
    suppression = SuppressionRule(policy: policy.suppression)
    trackingConsent = policy.tracking.consentPurpose
      .flatMap { policy.consent.purpose(named: $0) }
      .map { ConsentRule(purpose: $0, consent: policy.consent) }
    plans = policy.categories.map { CategoryPlan($0, policy: policy) }
    listUnsubscribe = policy.headers.listUnsubscribe.map(ListUnsubscribe.init(policy:))
    feedbackID = policy.headers.feedbackID.map(FeedbackID.init(policy:))
    tracking = TrackingLimiter(policy: policy)
    func sender(_ rules: TrackingPolicy.Rules) -> (SenderTracking, Modification?) {
      let allowed = SenderTracking(rules: rules)
      let change = Modification(
        kind: TrackingChange.senderTrackingDisabled,
        detail: allowed.disabledNames.joined(separator: ", "))
      return (allowed, allowed.isAllowed ? nil : change)
    }
    senderWithoutConsent = sender(policy.tracking.withoutConsent)
    senderWithConsent = sender(policy.tracking.withConsent)
    blocksOutsideQuery = (
      policy.tracking.withoutConsent.identifiersOutsideQuery == .block,
      policy.tracking.withConsent.identifiersOutsideQuery == .block
    )
    reputationHold = policy.reputation.map { ($0.maxDelaySeconds, $0.shadow) }
    rollouts = Rollouts(policy.rollouts)
    content = ContentCheck(
      policy: policy.content, unsubscribeURL: policy.headers.listUnsubscribe?.url)
    var affirmative: [String: ConsentRule] = [:]
    for name in policy.content.rules.compactMap(\.affirmativeConsent) {
      if let purpose = policy.consent.purpose(named: name) {
        affirmative[name] = ConsentRule(purpose: purpose, consent: policy.consent)
      }
    }
    affirmativeConsent = affirmative
  }

  /// The tracking stage's answers for one campaign's parts, worked out once for each consent
  /// answer: a campaign sends the same parts to every recipient, and rewriting them per
  /// recipient would cost a dry-run of a million recipients more than all its decisions.
  /// Only a recipient whose identifiers may be in the parts' URL parameters (rare: a
  /// campaign's parts hold merge tags, not addresses) gets a rewrite of their own.
  public struct PreparedParts: Sendable {
    let html: String?
    let text: String?
    let withoutConsent: TrackingResult
    let withConsent: TrackingResult
    /// What a reader sees of the parts; nil when the policy checks no content.
    let content: ContentReading?

    func reading(for message: Message) -> ContentReading? {
      message.html == html && message.text == text ? content : nil
    }

    func result(for message: Message, consent: Bool, recipient: RecipientIdentity)
      -> TrackingResult?
    {
      guard message.html == html && message.text == text else { return nil }
      let result = consent ? withConsent : withoutConsent
      for value in result.parameterValues where value.carries(recipient) { return nil }
      return result
    }
  }

  public func prepare(html: String?, text: String?) -> PreparedParts {
    PreparedParts(
      html: html, text: text,
      withoutConsent: tracking.prepare(html: html, text: text, consent: false),
      withConsent: tracking.prepare(html: html, text: text, consent: true),
      content: content?.read(html: html, text: text))
  }

  /// `prepared`: the parts' tracking answers worked out beforehand (used only when the
  /// message's parts are those parts).
  public func evaluate(
    _ message: Message, for state: CustomerState, at now: Date, prepared: PreparedParts? = nil
  ) -> Decision {
    var decision = Decision(
      messageId: message.id, customerId: state.customerId, category: message.category,
      outcome: .forwarded, reasons: [], notBefore: nil, modifications: [],
      trackingConsent: trackingConsent.map {
        $0.check(state, recipient: message.to, at: now).holds
      } ?? false,
      policy: reference, evaluatedAt: now)
    guard let plan = plan(for: message.category) else {
      decision.reasons.append(
        Reason(
          rule: "category", effect: .block,
          finding: .unknownCategory(category: message.category, known: categoryNames)))
      decision.outcome = .blocked
      return decision
    }

    // Blocks no time lifts: only a decision without one has a next eligible time.
    var permanentBlocks = false
    for rule in plan.consent {
      switch rule.check(state, recipient: message.to, at: now) {
      case .holds: break
      case .carriedOver(let note):
        decision.reasons.append(Reason(rule: rule.purpose.ruleId, effect: .note, finding: note))
      case .fails(let finding):
        let reason = blockUnlessRolledOut(
          rule.purpose.ruleId, finding, customerId: state.customerId)
        if reason.effect == .block { permanentBlocks = true }
        decision.reasons.append(reason)
      }
    }
    for (rule, finding) in suppression.check(category: message.category, state, at: now) {
      let reason = blockUnlessRolledOut(rule, finding, customerId: state.customerId)
      if reason.effect == .block { permanentBlocks = true }
      decision.reasons.append(reason)
    }
    // Allowed, the mismatch is still a note: the record (and a replay under a stricter
    // policy) must know the message went elsewhere.
    if let known = state.email, !Mailbox.sameAddress(known, message.to) {
      let effect: Reason.Effect
      switch plan.addressMismatch {
      case .block:
        effect = .block
        permanentBlocks = true
      case .report: effect = .shadow
      case .allow: effect = .note
      }
      decision.reasons.append(
        Reason(
          rule: Self.addressRuleId, effect: effect,
          finding: .addressMismatch(
            knownDigest: state.addressDigests?.known,
            recipientDigest: state.addressDigests?.recipient)))
    }

    if let content, message.html != nil || message.text != nil, message.template == nil {
      let reasons = contentReasons(content, message, state, at: now, prepared: prepared)
      if reasons.contains(where: { $0.effect == .block }) { permanentBlocks = true }
      decision.reasons += reasons
    }

    // Caps and quiet hours speak of the moment it goes: a message scheduled for later is held
    // until then and decided again, so only what blocks it for good is said now.
    if let sendAt = message.sendAt, sendAt > now {
      decision.outcome = Self.outcome(of: decision.reasons)
      // Blocked for good, it is not held at all.
      if decision.outcome != .blocked {
        decision.reasons.append(
          Reason(rule: Self.scheduleRuleId, effect: .defer, finding: .scheduled(at: sendAt)))
        decision.outcome = .deferred
        decision.notBefore = sendAt
      }
      return decision
    }

    let timed = TimedRules(
      plan: plan, state: state, defaultZone: defaultZone, weekStart: weekStart, now: now,
      leftOut: rollouts.isEmpty
        ? .none : RolloutExclusions(plan: plan, rollouts: rollouts, customerId: state.customerId)
    )
    .evaluate(at: now, receivedAt: message.receivedAt ?? now)
    let timedFrom = decision.reasons.count
    if decision.reasons.isEmpty {
      decision.reasons = timed.reasons
    } else if !timed.reasons.isEmpty {
      decision.reasons += timed.reasons
    }
    if !rollouts.isEmpty {
      for index in timedFrom..<decision.reasons.count {
        decision.reasons[index].rollout = rollouts.mark(
          decision.reasons[index].rule, customerId: state.customerId)
      }
    }
    var release = timed.release
    if !reputation.engaged.isEmpty {
      let brakeRelease = brake(message, customerId: state.customerId, at: now, into: &decision)
      if let brakeRelease {
        let timedHolds = timed.reasons.contains(where: \.holdsBack)
        release = timedHolds ? release.map { max($0, brakeRelease) } : brakeRelease
      }
    }

    decision.outcome = Self.outcome(of: decision.reasons)
    switch decision.outcome {
    // Only a block that time alone lifts has a next eligible time.
    case .blocked where !permanentBlocks, .deferred: decision.notBefore = release
    default: break
    }
    // Tracking and headers describe the message as it leaves: only a message that leaves now
    // is rewritten (a deferred one is decided again, under the consent of that moment).
    guard decision.outcome == .forwarded else { return decision }
    if message.html != nil || message.text != nil {
      let recipient = RecipientIdentity(address: message.to, customerId: message.customerId)
      let consent = decision.trackingConsent
      let rewrite =
        prepared?.result(for: message, consent: consent, recipient: recipient)
        ?? tracking.rewrite(
          html: message.html, text: message.text, consent: consent, recipient: recipient)
      if !rewrite.modifications.isEmpty { decision.modifications = rewrite.modifications }
      if rewrite.html != nil || rewrite.text != nil {
        decision.rewritten = RewrittenParts(html: rewrite.html, text: rewrite.text)
      }
      if let held = identifiersOutsideQuery(rewrite.modifications, consent: consent) {
        decision.reasons.append(held)
        decision.outcome = .blocked
        decision.rewritten = nil
        // What it found stays, as the evidence; nothing else was done.
        decision.modifications = rewrite.modifications.filter {
          $0.kind == TrackingChange.recipientIdentifierOutsideQuery
        }
        return decision
      }
    }
    // The sender adds its own pixel and redirects after the governor unless told not to.
    let sender = decision.trackingConsent ? senderWithConsent : senderWithoutConsent
    decision.senderTracking = sender.tracking
    if let requested = message.senderTracking {
      decision.senderTracking = decision.senderTracking.keeping(requested)
    }
    if let change = sender.change { decision.modifications.append(change) }
    if let template = message.template {
      decision.modifications.append(
        Modification(
          kind: TrackingChange.bodyNotSeen,
          detail: "\(template.provider.rawValue) template \(template.id), rendered by the sender: "
            + "tracking written into it was not limited"))
    }
    if let change = listUnsubscribe?.modification(for: message) {
      decision.modifications.append(change)
    }
    if let value = feedbackID?.value(for: message) {
      decision.modifications.append(Modification(kind: FeedbackID.added, detail: value))
    }
    return decision
  }

  static let addressRuleId = "address"

  /// A reason for each thing a law that applies to the message requires and the reader cannot
  /// see (a message the sender renders from a template is not seen, so not checked).
  private func contentReasons(
    _ content: ContentCheck, _ message: Message, _ state: CustomerState, at now: Date,
    prepared: PreparedParts?
  ) -> [Reason] {
    let zone = (state.timeZone ?? defaultZone).identifier
    let rules = content.rules(category: message.category, zone: zone)
    guard !rules.isEmpty else { return [] }
    let reading =
      prepared?.reading(for: message) ?? content.read(html: message.html, text: message.text)
    var reasons: [Reason] = []
    for rule in rules {
      for finding in contentFindings(rule, content, reading, message, state, at: now) {
        var reason = blockUnlessRolledOut(rule.ruleId, finding, customerId: state.customerId)
        if rule.reportOnly { reason.effect = .shadow }
        reasons.append(reason)
      }
    }
    return reasons
  }

  /// What `rule`'s law requires and the reader cannot see. The advertisement label is not
  /// required of mail to a customer whose affirmative consent the rule names.
  private func contentFindings(
    _ rule: ContentRule, _ content: ContentCheck, _ reading: ContentReading, _ message: Message,
    _ state: CustomerState, at now: Date
  ) -> [Finding] {
    var findings: [Finding] = []
    for requirement in rule.law.requirements {
      var purpose: String?
      if requirement == .adLabel, let name = rule.affirmativeConsent {
        if affirmativeConsent[name]?.check(state, recipient: message.to, at: now).holds == true {
          continue
        }
        purpose = name
      }
      let parts = content.missing(requirement, in: reading, subject: message.subject)
      guard !parts.isEmpty else { continue }
      findings.append(
        .contentMissing(
          ContentFinding(
            law: rule.law, requirement: requirement, parts: parts,
            expected: content.expected(requirement), consentPurpose: purpose)))
    }
    return findings
  }

  /// A block, or a shadow reason for a customer the rule's rollout has not reached yet.
  private func blockUnlessRolledOut(_ rule: String, _ finding: Finding, customerId: String)
    -> Reason
  {
    var reason = Reason(rule: rule, effect: .block, finding: finding)
    if !rollouts.isEmpty, let mark = rollouts.mark(rule, customerId: customerId) {
      reason.rollout = mark
      if !mark.enforced { reason.effect = .shadow }
    }
    return reason
  }
  static let outsideQueryRuleId = "tracking.identifiers_outside_query"

  /// The block a policy asks for when links carry the recipient where no cut reaches.
  private func identifiersOutsideQuery(_ changes: [Modification], consent: Bool) -> Reason? {
    guard consent ? blocksOutsideQuery.withConsent : blocksOutsideQuery.withoutConsent else {
      return nil
    }
    var links = 0
    var places: [String] = []
    for change in changes where change.kind == TrackingChange.recipientIdentifierOutsideQuery {
      links += 1
      for place in (change.detail ?? "").split(separator: ", ").map(String.init)
      where !places.contains(place) {
        places.append(place)
      }
    }
    guard links > 0 else { return nil }
    return Reason(
      rule: Self.outsideQueryRuleId, effect: .block,
      finding: .recipientOutsideQuery(links: links, places: places))
  }
  static let scheduleRuleId = "schedule"

  /// Adds a reason for each brake that holds the message; returns when the last of them lets
  /// it go (nil when none holds it, or in shadow mode).
  private func brake(
    _ message: Message, customerId: String, at now: Date, into decision: inout Decision
  ) -> Date? {
    guard let reputationHold else { return nil }
    let states = reputation.brakes(
      category: message.category, sendingDomain: message.sendingDomain,
      campaign: message.campaignId)
    guard !states.isEmpty else { return nil }
    let today = CivilDate(utcDayOf: now)
    let receivedAt = message.receivedAt ?? now
    var release: Date?
    for state in states {
      guard let brake = state.engaged else { continue }
      let rule = ReputationPolicy.ruleId(state.measure)
      let rollout = rollouts.isEmpty ? nil : rollouts.mark(rule, customerId: customerId)
      let shadow = reputationHold.shadow || rollout?.enforced == false
      let until: Date
      switch brake.step.action {
      case .pause:
        until = brake.releasableAt
      case .throttle(let keep):
        guard
          ReputationBook.throttleHolds(
            customerId: customerId, day: today.daysSinceEpoch, keep: keep)
        else {
          continue
        }
        until = today.addingDays(1).startInUTC
      }
      var reason = Reason(
        rule: rule, effect: shadow ? .shadow : .defer,
        finding: .reputationBrake(BrakeFinding(state: state, brake: brake, until: until)))
      reason.rollout = rollout
      if !shadow {
        if until.timeIntervalSince(receivedAt) > TimeInterval(reputationHold.maxDelaySeconds) {
          reason.effect = .block
          reason.maxDelaySeconds = reputationHold.maxDelaySeconds
        }
        release = max(release ?? until, until)
      }
      decision.reasons.append(reason)
    }
    return release
  }

  /// How far back a customer's sends must be loaded for every cap (and their own
  /// preference) to see its whole window: the store reads no older history than this.
  public func historyNeeded(preference: FrequencyPreference?) -> TimeInterval {
    max(plans.map(\.lookback).max() ?? 0, preference.map { Timeline.lookback($0.window) } ?? 0)
  }

  /// The longest history any of the policy's caps reads; sends older than this (plus the
  /// customers' own preference windows) can be pruned from the ledger.
  public var longestWindow: TimeInterval { historyNeeded(preference: nil) }

  /// Block beats defer beats forward; shadow reasons and notes change nothing.
  static func outcome(of reasons: [Reason]) -> Outcome {
    var outcome = Outcome.forwarded
    // Indices, not a closure over elements: each element passed by value is a copy.
    for index in reasons.indices {
      switch reasons[index].effect {
      case .block: return .blocked
      case .defer: outcome = .deferred
      case .shadow, .note: break
      }
    }
    return outcome
  }

  private func plan(for category: String) -> CategoryPlan? {
    var index = 0
    while index < categoryNames.count {
      if categoryNames[index] == category { return plans[index] }
      index += 1
    }
    return nil
  }
}

/// What applies to one category, worked out from the policy once. A class, so a decision
/// takes one reference to it instead of copying its rules.
final class CategoryPlan: Sendable {
  let category: Category
  let consent: [ConsentRule]
  let caps: [CapRule]
  /// The caps' counting alone, in the same order: plain values, so the hot loop that checks
  /// every cap touches no reference counts. `caps[i]` is consulted only when `limits[i]` fails.
  let limits: [CapLimit]
  /// Bit `i`: `caps[i]` is a shadow cap; read as bits, the hot loops touch no cap object.
  let shadowCaps: UInt64
  let preferenceCategories: [String]?
  let preferenceScope: UInt64
  let quietHours: QuietHoursRule?
  let lookback: TimeInterval
  /// Copied out of `category`: reading it through the struct would copy (and retain) the
  /// category's name and purposes on every decision.
  let addressMismatch: AddressMismatch
  private let categoryNames: [String]

  init(_ category: Category, policy: Policy) {
    self.category = category
    let names = policy.categories.map(\.name)
    categoryNames = names
    func scope(_ categories: [String]) -> UInt64 {
      categories.reduce(0) { mask, name in
        mask | (names.firstIndex(of: name).map { 1 << UInt64($0) } ?? 0)
      }
    }
    consent = category.purposes.compactMap { name in
      policy.consent.purpose(named: name).map {
        ConsentRule(purpose: $0, consent: policy.consent)
      }
    }
    caps = policy.caps.filter { $0.categories.contains(category.name) }.map { cap in
      let kept = cap.reserve.flatMap { reserve in
        reserve.categories.contains(category.name) ? nil : scope(reserve.categories)
      }
      return CapRule(cap, scope: scope(cap.categories), reserveScope: kept)
    }
    limits = caps.map(\.counting)
    shadowCaps = caps.enumerated().reduce(0) { mask, entry in
      entry.element.shadow ? mask | 1 << UInt64(entry.offset) : mask
    }
    if let preference = policy.frequencyPreference,
      preference.categories.contains(category.name)
    {
      preferenceCategories = preference.categories
      preferenceScope = scope(preference.categories)
    } else {
      preferenceCategories = nil
      preferenceScope = 0
    }
    quietHours = policy.quietHours.flatMap {
      $0.categories.contains(category.name) ? QuietHoursRule(quietHours: $0) : nil
    }
    lookback = caps.map(\.counting.lookback).max() ?? 0
    addressMismatch = category.addressMismatch
  }

  static let preferenceRuleId = "caps.customer_preference"

  /// The category's bit in cap scopes; 0 for a category the policy no longer has.
  func bit(of category: String) -> UInt64 {
    var index = 0
    while index < categoryNames.count {
      if categoryNames[index] == category { return 1 << UInt64(index) }
      index += 1
    }
    return 0
  }
}
