import Foundation
import Synchronization

/// Stops calling a mail sender that keeps failing, so a dead sender costs a fast `failed`
/// instead of every request waiting out its retries: after `failureThreshold` consecutive
/// failures the circuit opens for `openDuration`; then one trial request is let through
/// (half-open) and its result closes or re-opens the circuit.
public final class CircuitBreaker: Sendable {
  public enum State: String, Sendable {
    case closed
    case open
    case halfOpen = "half_open"
  }

  private struct Status {
    var state: State = .closed
    var consecutiveFailures = 0
    var openedAt: Date?
    var trialInFlight = false
  }

  public let failureThreshold: Int
  public let openDuration: TimeInterval
  private let status = Mutex(Status())

  public init(failureThreshold: Int = 5, openDuration: TimeInterval = 30) {
    self.failureThreshold = failureThreshold
    self.openDuration = openDuration
  }

  public var state: State { status.withLock { $0.state } }

  /// Whether a request may go now; false while the circuit is open (or a half-open trial is
  /// already running).
  public func allowRequest(at now: Date) -> Bool {
    status.withLock { status in
      switch status.state {
      case .closed:
        return true
      case .open:
        guard let openedAt = status.openedAt, now.timeIntervalSince(openedAt) >= openDuration
        else { return false }
        status.state = .halfOpen
        status.trialInFlight = true
        return true
      case .halfOpen:
        guard !status.trialInFlight else { return false }
        status.trialInFlight = true
        return true
      }
    }
  }

  public func recordSuccess() {
    status.withLock { status in
      status = Status()
    }
  }

  public func recordFailure(at now: Date) {
    status.withLock { status in
      status.consecutiveFailures += 1
      status.trialInFlight = false
      if status.state == .halfOpen || status.consecutiveFailures >= failureThreshold {
        status.state = .open
        status.openedAt = now
      }
    }
  }
}
