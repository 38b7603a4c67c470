import Foundation

/// Has the customer a valid consent for this purpose: granted, not withdrawn, not expired,
/// and confirmed where double opt-in is required?
struct ConsentRule: Sendable {
  let purpose: ConsentPolicy.Purpose
  let consent: ConsentPolicy

  func check(_ state: CustomerState, at now: Date) -> Finding? {
    guard let event = state.latestConsent(for: purpose.name) else {
      return .consentMissing(purpose: purpose.name)
    }
    if event.status == .withdrawn {
      return .consentWithdrawn(purpose: purpose.name, at: event.at)
    }
    guard let expiry = consent.expiry(ofKind: event.kind) else {
      return .consentKindUnknown(purpose: purpose.name, kind: event.kind)
    }
    if let expiresAt = expiry.end(of: event.at), expiresAt <= now {
      return .consentExpired(
        purpose: purpose.name, kind: event.kind, grantedAt: event.at, expiredAt: expiresAt)
    }
    if purpose.doubleOptIn && event.confirmedAt == nil {
      return .doubleOptInMissing(purpose: purpose.name, grantedAt: event.at)
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
