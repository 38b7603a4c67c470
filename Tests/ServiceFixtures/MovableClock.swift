import Foundation
import Synchronization

/// A clock a test moves by hand: days pass in a test without waiting for them.
public final class MovableClock: Sendable {
  private let instant: Mutex<Date>

  public init(_ start: Date) {
    instant = Mutex(start)
  }

  public var now: Date { instant.withLock { $0 } }

  public func set(_ date: Date) {
    instant.withLock { $0 = date }
  }

  public func advance(by interval: TimeInterval) {
    instant.withLock { $0 += interval }
  }

  /// What a `Gateway` takes as its clock.
  public var read: @Sendable () -> Date { { [self] in now } }
}
