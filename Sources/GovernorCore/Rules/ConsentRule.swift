import Foundation

/// Has the customer a valid consent for this purpose: granted, not withdrawn, not expired,
/// and confirmed where double opt-in is required? A class: a plan walks its consent rules
/// on every decision, and a reference is cheaper to pass around than the names inside.
final class ConsentRule: Sendable {
  let purpose: ConsentPolicy.Purpose
  let consent: ConsentPolicy

  init(purpose: ConsentPolicy.Purpose, consent: ConsentPolicy) {
    self.purpose = purpose
    self.consent = consent
  }

  /// Consent holds while any grant since the last withdrawal is still valid: a customer who
  /// gave express consent and later bought something (implied consent, which lapses) keeps
  /// the express one (CASL s.10(1), 10(9)–(10), s.11). Only a withdrawal ends every grant
  /// before it.
  ///
  /// Events after `now` are not yet known at `now` — a dry-run at a past instant ignores
  /// consent given later — except a withdrawal dated within the clock skew the validator
  /// accepts: a sender whose clock runs ahead must not have its opt-out ignored for minutes.
  func check(_ state: CustomerState, at now: Date) -> Finding? {
    let events = state.consents
    let withdrawalHorizon = now.addingTimeInterval(RecordValidator.defaultClockSkew)
    // Indices, not copies: copying an event retains its five strings, and this runs on every
    // decision. Events are ordered by time, then by their place in the history.
    func isLater(_ lhs: Int, than rhs: Int) -> Bool {
      events[lhs].at > events[rhs].at || (events[lhs].at == events[rhs].at && lhs > rhs)
    }
    var lastWithdrawal: Int?
    for index in events.indices
    where events[index].purpose == purpose.name && events[index].status == .withdrawn
      && events[index].at <= withdrawalHorizon
    {
      if let current = lastWithdrawal, !isLater(index, than: current) { continue }
      lastWithdrawal = index
    }
    var latestFinding: (index: Int, finding: Finding)?
    for index in events.indices
    where events[index].purpose == purpose.name && events[index].status == .granted
      && events[index].at <= now
    {
      if let lastWithdrawal, !isLater(index, than: lastWithdrawal) { continue }
      guard let finding = problem(with: events[index], at: now) else { return nil }
      if let latest = latestFinding, !isLater(index, than: latest.index) { continue }
      latestFinding = (index, finding)
    }
    if let latestFinding { return latestFinding.finding }
    if let lastWithdrawal {
      return .consentWithdrawn(purpose: purpose.name, at: events[lastWithdrawal].at)
    }
    return .consentMissing(purpose: purpose.name)
  }

  /// Why one grant does not hold at `now`; nil when it does.
  private func problem(with grant: ConsentEvent, at now: Date) -> Finding? {
    guard let expiry = consent.expiry(ofKind: grant.kind) else {
      return .consentKindUnknown(purpose: purpose.name, kind: grant.kind)
    }
    if let expiresAt = expiry.end(of: grant.at), expiresAt <= now {
      return .consentExpired(
        purpose: purpose.name, kind: grant.kind, grantedAt: grant.at, expiredAt: expiresAt)
    }
    if purpose.doubleOptIn && (grant.confirmedAt.map { $0 > now } ?? true) {
      return .doubleOptInMissing(purpose: purpose.name, grantedAt: grant.at)
    }
    return nil
  }
}

extension ConsentPolicy.Expiry {
  /// When a consent given at `start` lapses; months count on the calendar (in UTC), so
  /// "6mo" from 31 August ends on 28 or 29 February.
  func end(of start: Date) -> Date? {
    guard case .after(let span) = self else { return nil }
    let local = Zone.utc.localTime(at: start)
    let shifted = LocalTime(
      date: local.date.addingMonths(span.months), secondOfDay: local.secondOfDay)
    return Zone.utc.instant(of: shifted).addingTimeInterval(Double(span.seconds))
  }
}
