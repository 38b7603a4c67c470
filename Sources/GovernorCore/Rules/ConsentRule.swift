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

  func check(_ state: CustomerState, at now: Date) -> Finding? {
    guard let index = state.latestConsentIndex(for: purpose.name) else {
      return .consentMissing(purpose: purpose.name)
    }
    let events = state.consents
    if events[index].status == .withdrawn {
      return .consentWithdrawn(purpose: purpose.name, at: events[index].at)
    }
    guard let expiry = consent.expiry(ofKind: events[index].kind) else {
      return .consentKindUnknown(purpose: purpose.name, kind: events[index].kind)
    }
    if let expiresAt = expiry.end(of: events[index].at), expiresAt <= now {
      return .consentExpired(
        purpose: purpose.name, kind: events[index].kind, grantedAt: events[index].at,
        expiredAt: expiresAt)
    }
    if purpose.doubleOptIn && events[index].confirmedAt == nil {
      return .doubleOptInMissing(purpose: purpose.name, grantedAt: events[index].at)
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
