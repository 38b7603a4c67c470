import Foundation
import GovernorCore
import GovernorStore

extension Gateway {
  /// Works the brakes out again from the delivery counts now (the scheduler calls it when the
  /// book is older than `ReputationMonitor.maxAge`; tests call it after moving the clock).
  public func refreshReputation() async throws {
    try await refreshReputation(unlessStartedAfter: nil)
  }

  func refreshReputation(unlessStartedAfter instant: ContinuousClock.Instant?) async throws {
    guard
      let (before, after) = try await reputation.refresh(
        from: store, at: clock(), unlessStartedAfter: instant)
    else { return }
    metrics.reputation(after, replacing: before)
  }

  /// The scheduler's call: a refresh when the book is old (or was never made).
  func refreshReputationIfStale() async throws {
    if reputation.isStale(at: clock()) { try await refreshReputation() }
  }
}
