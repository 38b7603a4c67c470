import Foundation
import GovernorCore

/// One thing a mail provider reported that must stop mail: a hard bounce, a complaint, an
/// unsubscribe. Parsed from a provider's webhook; applied as a suppression.
public struct FeedbackEvent: Hashable, Sendable {
  /// Unique per provider event and recipient: a replayed webhook carries the same key.
  public var key: String
  public var reason: SuppressionReason
  public var scope: SuppressionScope
  /// The customer the message was sent for, when the provider echoed it back.
  public var customerId: String?
  public var email: String
  public var at: Date
  /// `sendgrid bounce`, `ses Complaint`, … as the suppression's source.
  public var source: String

  public init(
    key: String, reason: SuppressionReason, scope: SuppressionScope, customerId: String?,
    email: String, at: Date, source: String
  ) {
    self.key = key
    self.reason = reason
    self.scope = scope
    self.customerId = customerId
    self.email = email
    self.at = at
    self.source = source
  }
}

/// What one webhook call held.
public struct FeedbackBatch: Sendable {
  public var events: [FeedbackEvent]
  /// Events that need no action (deliveries, opens, soft bounces).
  public var ignored: Int
  /// Deliveries, hard bounces and complaints, counted against the messages they name.
  public var reports: [DeliveryReport]

  public init(events: [FeedbackEvent], ignored: Int, reports: [DeliveryReport] = []) {
    self.events = events
    self.ignored = ignored
    self.reports = reports
  }
}

/// Events that cannot be read, each named by its place (`[2].email`).
public struct BadFeedback: Error, Sendable {
  public var problems: [FieldProblem]

  public init(problems: [FieldProblem]) { self.problems = problems }
}

/// What applying a batch did.
public struct FeedbackOutcome: Sendable, Encodable {
  public var suppressed = 0
  /// Already suppressed, or the same event seen before.
  public var unchanged = 0
  public var ignored = 0
  /// No customer has the address and the provider did not echo one.
  public var unknownRecipients = 0
  /// Deliveries, hard bounces and complaints counted against the message they name.
  public var counted = 0
  /// Reports naming no message the governor decided (or none at all).
  public var unknownMessages = 0

  enum CodingKeys: String, CodingKey {
    case suppressed, unchanged, ignored, counted
    case unknownRecipients = "unknown_recipients"
    case unknownMessages = "unknown_messages"
  }
}
