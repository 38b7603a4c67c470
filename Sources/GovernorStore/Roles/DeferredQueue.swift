import Foundation
import GovernorCore

/// Messages held until a time (quiet hours, a deferring cap) and released through the same
/// decision step as a first decision.
public protocol DeferredQueue: Sendable {
  /// Holds a message until `releaseAt` (quiet hours, or a cap whose policy defers). Holding
  /// the same message id again moves its release time.
  func holdDeferred(_ message: Message, releaseAt: Date, at: Date) async throws

  /// Held messages due at `at`, earliest first.
  func dueDeferred(at: Date, limit: Int) async throws -> [DeferredMessage]

  /// A customer's held messages, earliest release first.
  func deferred(customerId: String) async throws -> [DeferredMessage]

  /// Takes a held message out of the queue and decides on it again, in one transaction: the
  /// new decision (linked to the one that held it), its cap slot, and — deferred again — its
  /// new place in the queue. Nil when the message is no longer held (another process took it).
  func release(messageId: String, engine: Engine, at now: Date) async throws -> ReleasedMessage?

  /// Takes a held message out of the queue (released or given up); false if it was not there.
  func removeDeferred(messageId: String) async throws -> Bool
}

/// A message waiting in the deferred queue.
public struct DeferredMessage: Hashable, Sendable, Encodable {
  public var message: Message
  public var releaseAt: Date
  public var heldAt: Date
  /// The decision that held it; nil for messages held by hand.
  public var decisionId: String?

  public init(message: Message, releaseAt: Date, heldAt: Date, decisionId: String? = nil) {
    self.message = message
    self.releaseAt = releaseAt
    self.heldAt = heldAt
    self.decisionId = decisionId
  }
}

/// A held message and what deciding on it again did.
public struct ReleasedMessage: Sendable {
  public var message: Message
  public var decided: DecidedMessage
}
