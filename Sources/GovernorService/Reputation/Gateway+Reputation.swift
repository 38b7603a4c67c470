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
    // The log is written when the brakes differ from the last book, and on the first refresh
    // (the log may end differently from what this process last saw).
    if before.assessedAt == nil || Self.brakeStates(before) != Self.brakeStates(after) {
      for change in try await store.recordBrakes(
        after, policyVersion: compiled.policy.version, at: clock())
      {
        metrics.brakeChanged(change)
      }
    }
  }

  private static func brakeStates(_ book: ReputationBook) -> Set<String> {
    Set(
      book.brakes.compactMap { state in
        state.engaged.map {
          BrakeChange.series(state.measure, state.scope, state.key) + " "
            + BrakeChange.label($0.step.action)
        }
      })
  }

  /// The brakes' changes recorded at or after `since`, newest first.
  public func brakeChanges(since: Date) async throws -> [BrakeChange] {
    try await store.brakeChanges(since: since)
  }

  /// The scheduler's call: a refresh when the book is old (or was never made).
  func refreshReputationIfStale() async throws {
    if reputation.isStale(at: clock()) { try await refreshReputation() }
  }
}
