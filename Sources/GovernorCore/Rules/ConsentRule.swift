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

  /// What the rule found: the consent holds, holds only because the policy carries consent
  /// over to a new address (a note for the record), or does not hold.
  enum Answer {
    case holds
    case carriedOver(Finding)
    case fails(Finding)

    var holds: Bool {
      if case .fails = self { return false }
      return true
    }
  }

  /// Consent holds while any grant since the last withdrawal is still valid: a customer who
  /// gave express consent and later bought something (implied consent, which lapses) keeps
  /// the express one (CASL s.10(1), 10(9)–(10), s.11). Only a withdrawal ends every grant
  /// before it.
  ///
  /// A grant counts for the address it was given for: the customer's current address (or,
  /// for a customer with none yet, the message's recipient). One given for an earlier address
  /// counts only where the policy carries consent over (`consent.covers_new_address`).
  /// Whether the recipient is the customer's address is the address rule's question, not
  /// this one's.
  ///
  /// Events after `now` are not yet known at `now` — a dry-run at a past instant ignores
  /// consent given later — except a withdrawal dated within the clock skew the validator
  /// accepts: a sender whose clock runs ahead must not have its opt-out ignored for minutes.
  func check(_ state: CustomerState, recipient: String, at now: Date) -> Answer {
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
    var carried: Int?
    for index in events.indices
    where events[index].purpose == purpose.name && events[index].status == .granted
      && events[index].at <= now
    {
      if let lastWithdrawal, !isLater(index, than: lastWithdrawal) { continue }
      var finding = problem(with: events[index], at: now)
      if finding == nil, let given = events[index].address,
        !Mailbox.sameAddress(given, state.email ?? recipient)
      {
        if consent.coversNewAddress {
          if carried.map({ isLater(index, than: $0) }) ?? true { carried = index }
          continue
        }
        finding = .consentForOtherAddress(purpose: purpose.name, grantedAt: events[index].at)
      }
      guard let finding else { return .holds }
      if let latest = latestFinding, !isLater(index, than: latest.index) { continue }
      latestFinding = (index, finding)
    }
    if let carried {
      return .carriedOver(.consentCarriedOver(purpose: purpose.name, grantedAt: events[carried].at))
    }
    if let latestFinding { return .fails(latestFinding.finding) }
    if let lastWithdrawal {
      return .fails(.consentWithdrawn(purpose: purpose.name, at: events[lastWithdrawal].at))
    }
    return .fails(.consentMissing(purpose: purpose.name))
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
