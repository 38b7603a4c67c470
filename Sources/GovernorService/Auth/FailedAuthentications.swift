import Foundation
import Synchronization

/// Failed authentications by client address: past `limit` in one window, the address gets
/// `429` until the window ends, without its credentials being looked at. A key is 256 random
/// bits, so guessing is hopeless anyway; this keeps a misconfigured client or a scanner from
/// filling the log and the key look-ups. Everyone behind one address (a NAT) shares its
/// count: a client with a valid key retries after `Retry-After`.
public final class FailedAuthentications: Sendable {
  public static let defaultLimit = 10
  public static let defaultWindow: Duration = .seconds(60)

  private struct Count {
    var failures: Int
    var windowEnds: ContinuousClock.Instant
  }

  private let limit: Int
  private let window: Duration
  private let counts = Mutex<(byAddress: [String: Count], lastWindowEnds: ContinuousClock.Instant)>(
    ([:], .now))
  /// Bounds memory under a spray of addresses: past it the counts start over.
  private static let largestCount = 10_000

  public init(limit: Int = defaultLimit, window: Duration = defaultWindow) {
    self.limit = limit
    self.window = window
  }

  /// Whether any address's window is still open: while none is, a request's address need not
  /// be looked up at all (and the old counts are dropped).
  public var anyCounted: Bool {
    let now = ContinuousClock.now
    return counts.withLock { counts in
      guard counts.lastWindowEnds > now else {
        if !counts.byAddress.isEmpty { counts.byAddress.removeAll(keepingCapacity: true) }
        return false
      }
      return true
    }
  }

  /// The seconds to wait when `address` has failed `limit` times in its current window; nil
  /// when it may try.
  public func retryAfter(_ address: String) -> Int? {
    let now = ContinuousClock.now
    guard let count = counts.withLock({ $0.byAddress[address] }), count.windowEnds > now,
      count.failures >= limit
    else { return nil }
    let remaining = count.windowEnds - now
    return max(1, Int(remaining.components.seconds) + 1)
  }

  /// Counts a failure; true when it is the one that reaches the limit (log it once).
  public func fail(_ address: String) -> Bool {
    let now = ContinuousClock.now
    return counts.withLock { counts in
      if counts.byAddress.count >= Self.largestCount {
        counts.byAddress.removeAll(keepingCapacity: true)
      }
      var count = counts.byAddress[address] ?? Count(failures: 0, windowEnds: now + window)
      if count.windowEnds <= now { count = Count(failures: 0, windowEnds: now + window) }
      count.failures += 1
      counts.byAddress[address] = count
      counts.lastWindowEnds = max(counts.lastWindowEnds, count.windowEnds)
      return count.failures == limit
    }
  }
}
