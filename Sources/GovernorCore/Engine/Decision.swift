import Foundation

/// What happens to a message. Precedence when rules disagree: blocked > deferred > forwarded.
public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
  case forwarded
  case blocked
  case deferred
  /// Set by the gateway when forwarding failed; the engine never returns it.
  case failed
}

/// A change the governor made to the message (tracking removed, headers added, the
/// sender's own tracking switched off).
public struct Modification: Hashable, Sendable, Codable {
  public var kind: String
  public var url: String?
  public var replacement: String?
  /// `html` or `text`: which part of the message a tracking change was made in.
  public var part: String?
  /// What a change without a URL changed, e.g. which of the sender's tracking was switched off.
  public var detail: String?

  public init(
    kind: String, url: String? = nil, replacement: String? = nil, part: String? = nil,
    detail: String? = nil
  ) {
    self.kind = kind
    self.url = url
    self.replacement = replacement
    self.part = part
    self.detail = detail
  }

  /// One line for people: `kind (part) url → replacement: detail`.
  public var summary: String {
    var line = kind
    if let part { line += " (\(part))" }
    if let url { line += " \(url)" }
    if let replacement { line += " → \(replacement)" }
    if let detail { line += ": \(detail)" }
    return line
  }
}

/// The engine's explained answer for one message.
public struct Decision: Hashable, Sendable {
  public var messageId: String
  public var customerId: String
  public var category: String
  public var outcome: Outcome
  /// Every failing rule, in pipeline order: consent, suppression, caps, quiet hours.
  public var reasons: [Reason]
  /// Deferred: when it will be released. Blocked by caps or quiet hours only: the next time
  /// it would be allowed. Otherwise nil.
  public var notBefore: Date?
  public var modifications: [Modification]
  /// Whether the recipient consented to tracking (the policy's tracking purpose).
  public var trackingConsent: Bool
  /// What tracking of its own the mail sender may add to a forwarded message. Not in the
  /// audit record: a `sender_tracking_disabled` modification says it there.
  public var senderTracking: SenderTracking = .disabled
  public var policy: PolicyReference
  public var evaluatedAt: Date
  /// The parts the tracking stage changed, as they leave. Not in the audit record, which
  /// lists the changes instead of the body. Boxed: a decision is copied often, a body rarely
  /// changes, and one optional reference is cheaper to carry than two strings.
  public var rewritten: RewrittenParts?

  /// The HTML as it leaves, where the tracking stage changed it (nil where unchanged).
  public var rewrittenHTML: String? { rewritten?.html }
  /// The text as it leaves, where the tracking stage changed it (nil where unchanged).
  public var rewrittenText: String? { rewritten?.text }

  /// The reason codes, in order: handy for summaries and tests.
  public var codes: [String] { reasons.map(\.code) }
}

/// A message's parts after the tracking stage (nil where unchanged).
public final class RewrittenParts: Hashable, Sendable {
  public let html: String?
  public let text: String?

  public init(html: String?, text: String?) {
    self.html = html
    self.text = text
  }

  public static func == (left: RewrittenParts, right: RewrittenParts) -> Bool {
    left.html == right.html && left.text == right.text
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(html)
    hasher.combine(text)
  }
}

extension Decision: Encodable {
  enum CodingKeys: String, CodingKey {
    case outcome, reasons, modifications, policy, category
    case messageId = "message_id"
    case customerId = "customer_id"
    case notBefore = "not_before"
    case trackingConsent = "tracking_consent"
    case evaluatedAt = "evaluated_at"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(messageId, forKey: .messageId)
    try container.encode(customerId, forKey: .customerId)
    try container.encode(category, forKey: .category)
    try container.encode(outcome, forKey: .outcome)
    try container.encode(reasons, forKey: .reasons)
    try container.encode(notBefore, forKey: .notBefore)
    try container.encode(modifications, forKey: .modifications)
    try container.encode(trackingConsent, forKey: .trackingConsent)
    try container.encode(policy, forKey: .policy)
    try container.encode(evaluatedAt, forKey: .evaluatedAt)
  }
}
