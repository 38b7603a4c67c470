import Foundation
import GovernorCore

/// One opt-out and what followed it: the sends it should have stopped that went anyway, and
/// for each deadline (GDPR, Gmail/Yahoo, CAN-SPAM, CASL) whether they all went before it.
public struct OptOutFinding: Hashable, Sendable {
  public var customerId: String
  /// `unsubscribed`, `complaint` or `consent_withdrawn`.
  public var kind: String
  /// For a consent withdrawal: its purpose; for a suppression: its scope.
  public var scope: String
  /// Where it came from: `list-unsubscribe one-click`, `preference page`, `sendgrid …`, the API.
  public var source: String?
  /// When the customer opted out (the time the record names: the provider's, the click's).
  public var at: Date
  /// When the governor recorded it, and so blocked from: nil for records from before it kept
  /// that.
  public var recordedAt: Date? = nil
  public var sendsAfter: [LateSend]
  public var verdicts: [DeadlineVerdict]
}

/// A send an opt-out should have stopped, after it.
public struct LateSend: Hashable, Sendable {
  public var messageId: String?
  public var category: String?
  public var at: Date
  /// `ledger` (the governor forwarded it) or `provider` (a provider reported mail to the address
  /// that the governor never decided).
  public var via: String
  public var delaySeconds: Int
}

public struct DeadlineVerdict: Hashable, Sendable {
  public var deadline: OptOutDeadline
  /// Nil when no holiday calendar covers the business days counted.
  public var until: Date?
  /// Nil with `until`.
  public var met: Bool?
}

/// Works out the opt-out findings from the customers' records, deciding with the engine (not
/// a copy of its rules) whether an opt-out stops a given send: each send after an opt-out is
/// decided again at its time against the opt-out alone.
public struct OptOutAudit: Sendable {
  public let engine: Engine
  public let calendars: [HolidayCalendar]

  public init(engine: Engine, calendars: [HolidayCalendar]) {
    self.engine = engine
    self.calendars = calendars
  }

  /// `bypass`: provider reports on mail to the customer's address the governor never decided.
  public func findings(
    _ export: CustomerExport, since: Date, bypass: [BypassEvent] = []
  ) -> [OptOutFinding] {
    var findings: [OptOutFinding] = []
    let customerId = export.profile.id
    for history in export.suppressions {
      let suppression = history.suppression
      guard suppression.reason == .unsubscribed || suppression.reason == .complaint,
        suppression.at >= since
      else { continue }
      // Once lifted (by the customer, or by hand), later mail is not late.
      let late = sendsAfter(
        suppression.at, until: history.liftedAt, in: export, bypass: bypass
      ) { state, send in
        var state = state
        state.suppressions = [suppression]
        return self.stops(send, state, code: suppression.reason.rawValue, purpose: nil)
      }
      findings.append(
        finding(
          customerId: customerId, kind: suppression.reason.rawValue,
          scope: suppression.scope.description, source: suppression.source,
          at: suppression.at, late: late))
    }
    // A purpose no category needs (tracking) is not an opt-out from mail.
    let mailPurposes = Set(engine.policy.categories.flatMap(\.purposes))
    for withdrawal in export.consents
    where withdrawal.status == .withdrawn && withdrawal.at >= since
      && mailPurposes.contains(withdrawal.purpose)
    {
      let late = sendsAfter(withdrawal.at, until: nil, in: export, bypass: bypass) { state, send in
        self.stops(send, state, code: "consent_withdrawn", purpose: withdrawal.purpose)
      }
      findings.append(
        finding(
          customerId: customerId, kind: "consent_withdrawn", scope: withdrawal.purpose,
          source: withdrawal.source, at: withdrawal.at, late: late))
    }
    return findings.sorted { ($0.at, $0.kind) < ($1.at, $1.kind) }
  }

  private func finding(
    customerId: String, kind: String, scope: String, source: String?, at: Date,
    late: [LateSend]
  ) -> OptOutFinding {
    let verdicts = OptOutDeadline.allCases.map { deadline -> DeadlineVerdict in
      let until = deadline.deadline(after: at, calendars: calendars)
      return DeadlineVerdict(
        deadline: deadline, until: until,
        met: until.map { until in late.allSatisfy { $0.at <= until && $0.at > at } })
    }
    return OptOutFinding(
      customerId: customerId, kind: kind, scope: scope, source: source, at: at,
      sendsAfter: late, verdicts: verdicts)
  }

  /// The ledger's sends after `at` that `stopped` says the opt-out stops, and every provider
  /// report of mail around the governor after it.
  private func sendsAfter(
    _ at: Date, until lifted: Date?, in export: CustomerExport, bypass: [BypassEvent],
    stopped: (CustomerState, LedgerEntry) -> Bool
  ) -> [LateSend] {
    var late: [LateSend] = []
    let end = lifted ?? .distantFuture
    for send in export.sends
    where send.reservedAt > at && send.reservedAt < end && send.status != .failed {
      var state = CustomerState(customerId: export.profile.id, email: export.profile.email)
      state.consents = export.consents.filter { $0.at <= send.reservedAt }
      guard stopped(state, send) else { continue }
      late.append(
        LateSend(
          messageId: send.messageId, category: send.category, at: send.reservedAt, via: "ledger",
          delaySeconds: Int(send.reservedAt.timeIntervalSince(at))))
    }
    for event in bypass where event.at > at && event.at < end {
      late.append(
        LateSend(
          messageId: nil, category: nil, at: event.at, via: "provider",
          delaySeconds: Int(event.at.timeIntervalSince(at))))
    }
    return late.sorted { $0.at < $1.at }
  }

  /// Whether the engine, deciding `send` at its time against `state`, names the opt-out.
  private func stops(_ send: LedgerEntry, _ state: CustomerState, code: String, purpose: String?)
    -> Bool
  {
    let probe = Message(
      id: send.messageId, customerId: send.customerId, to: state.email ?? "", from: "",
      subject: "", category: send.category, campaignId: send.campaignId,
      receivedAt: send.reservedAt)
    return engine.evaluate(probe, for: state, at: send.reservedAt).reasons.contains { reason in
      guard reason.code == code && reason.holdsBack else { return false }
      guard let purpose else { return true }
      return reason.facts["purpose"] == .text(purpose)
    }
  }
}
