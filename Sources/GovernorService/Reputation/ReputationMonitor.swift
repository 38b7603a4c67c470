import Foundation
import GovernorCore
import GovernorStore
import Synchronization

/// The gateway's current reputation book: worked out from the store's delivery counts when a
/// webhook counts new reports and at least every `maxAge` (a day's change releases brakes with
/// no report at all). Every node works it out from the same counts, so all hold the same
/// brakes; a restarted node has them again on its first refresh.
public final class ReputationMonitor: Sendable {
  let assessment: ReputationAssessment?
  /// The book and when the refresh that made it started: a slower, older refresh never
  /// replaces a newer one.
  private let current = Mutex<(book: ReputationBook, started: ContinuousClock.Instant?)>(
    (.empty, nil))

  public init(policy: Policy) {
    assessment = policy.reputation.map(ReputationAssessment.init(policy:))
  }

  public var book: ReputationBook { current.withLock { $0.book } }

  /// Whether the policy has a brake at all.
  public var isEnabled: Bool { assessment != nil }

  /// Reads the counts and replaces the book; returns the book it replaced and the new one
  /// (nil when a newer refresh got there first, or when the policy has no brake). `after`:
  /// skip when a refresh started after that instant (it saw everything counted before it).
  func refresh(
    from store: any DeliveryCounts, at now: Date,
    unlessStartedAfter after: ContinuousClock.Instant? = nil
  ) async throws -> (before: ReputationBook, after: ReputationBook)? {
    guard let assessment else { return nil }
    let started = ContinuousClock.now
    if let after, let last = current.withLock({ $0.started }), last > after { return nil }
    let counts = try await store.deliveryCounts(since: assessment.firstDay(at: now).description)
    let book = assessment.assess(counts, at: now)
    return current.withLock { current in
      if let newer = current.started, newer > started { return nil }
      let before = current.book
      current = (book, started)
      return (before, book)
    }
  }

  /// How old the book may grow before the scheduler refreshes it.
  public static let maxAge: TimeInterval = 60

  func isStale(at now: Date) -> Bool {
    guard assessment != nil else { return false }
    guard let assessedAt = book.assessedAt else { return true }
    return now.timeIntervalSince(assessedAt) >= Self.maxAge || now < assessedAt
  }
}
