import Foundation
import GovernorCore
import GovernorService

/// Amazon SES bounce and complaint notifications, delivered by SNS over HTTP. SNS wraps each
/// in an envelope (`Type`: `SubscriptionConfirmation` first, then `Notification`s whose
/// `Message` is the SES notification as a JSON string).
enum SESNotifications {
  enum Envelope {
    /// SNS waits for a GET of `subscribeURL` before it sends anything else.
    case subscriptionConfirmation(subscribeURL: String, topic: String)
    case notification(FeedbackBatch)
    case unsubscribeConfirmation
  }

  static func parse(_ body: Data) throws(BadFeedback) -> Envelope {
    guard let envelope = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
      throw bad("body", "is not a JSON SNS message")
    }
    switch envelope["Type"] as? String {
    case "SubscriptionConfirmation":
      guard let url = envelope["SubscribeURL"] as? String else {
        throw bad("SubscribeURL", "is missing")
      }
      return .subscriptionConfirmation(
        subscribeURL: url, topic: envelope["TopicArn"] as? String ?? "")
    case "UnsubscribeConfirmation":
      return .unsubscribeConfirmation
    case "Notification":
      guard let snsId = envelope["MessageId"] as? String, !snsId.isEmpty else {
        throw bad("MessageId", "is missing")
      }
      guard let text = envelope["Message"] as? String,
        let message = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
      else { throw bad("Message", "is not an SES notification in JSON") }
      return .notification(try notification(message, snsId: snsId))
    case let other:
      throw bad("Type", "'\(other ?? "")' is not an SNS message type")
    }
  }

  /// `notificationType` (notifications) or `eventType` (event publishing) says which.
  private static func notification(_ message: [String: Any], snsId: String) throws(BadFeedback)
    -> FeedbackBatch
  {
    let kind = message["notificationType"] as? String ?? message["eventType"] as? String
    let mail = message["mail"] as? [String: Any]
    let tags = mail?["tags"] as? [String: [String]]
    let customerId = tags?["governor_customer_id"]?.first
    let messageId = Self.messageId(mail)
    if kind == "Delivery" {
      let delivery = message["delivery"] as? [String: Any]
      guard let recipients = delivery?["recipients"] as? [String], !recipients.isEmpty else {
        throw bad("Message.delivery.recipients", "is missing")
      }
      let at = (delivery?["timestamp"] as? String).flatMap(timestamp) ?? Date()
      return FeedbackBatch(
        events: [], ignored: 1,
        reports: recipients.map { email in
          DeliveryReport(
            key: "ses:\(snsId):\(email.lowercased())", provider: "ses", outcome: .delivered,
            messageId: messageId, email: email, at: at)
        })
    }
    let recipients: [[String: Any]]?
    let reason: SuppressionReason
    let detail: [String: Any]?
    switch kind {
    case "Bounce":
      detail = message["bounce"] as? [String: Any]
      // Transient and Undetermined bounces may clear up: only Permanent stops mail.
      guard detail?["bounceType"] as? String == "Permanent" else {
        return FeedbackBatch(events: [], ignored: 1)
      }
      recipients = detail?["bouncedRecipients"] as? [[String: Any]]
      reason = .hardBounce
    case "Complaint":
      detail = message["complaint"] as? [String: Any]
      recipients = detail?["complainedRecipients"] as? [[String: Any]]
      reason = .complaint
    case .some:
      return FeedbackBatch(events: [], ignored: 1)
    case nil:
      throw bad("Message.notificationType", "is missing")
    }
    guard let recipients, !recipients.isEmpty else {
      let field =
        reason == .hardBounce ? "bounce.bouncedRecipients" : "complaint.complainedRecipients"
      throw bad("Message.\(field)", "is missing")
    }
    let at = (detail?["timestamp"] as? String).flatMap(timestamp) ?? Date()
    var events: [FeedbackEvent] = []
    var reports: [DeliveryReport] = []
    for (index, recipient) in recipients.enumerated() {
      guard let email = recipient["emailAddress"] as? String, email.contains("@") else {
        throw bad("Message.recipients[\(index)].emailAddress", "is missing or not an address")
      }
      reports.append(
        DeliveryReport(
          key: "ses:\(snsId):\(email.lowercased())", provider: "ses",
          outcome: reason == .complaint ? .complained : .hardBounced, messageId: messageId,
          email: email, at: at))
      events.append(
        FeedbackEvent(
          key: "ses:\(snsId):\(email.lowercased())", reason: reason, scope: .all,
          // A tag names the message's one customer; with several recipients, the address does.
          customerId: recipients.count == 1 ? customerId : nil, email: email, at: at,
          source: "ses \(kind ?? "")"))
    }
    return FeedbackBatch(events: events, ignored: 0, reports: reports)
  }

  /// The governor's id of the message: its `X-Governor-Message-Id` header (SES echoes the
  /// headers when the identity includes them), else the `governor_message_id` tag (SES's tag
  /// alphabet may have changed it, and then it names no message).
  private static func messageId(_ mail: [String: Any]?) -> String? {
    let headers = mail?["headers"] as? [[String: Any]] ?? []
    for header in headers
    where (header["name"] as? String)?.lowercased() == "x-governor-message-id" {
      if let value = header["value"] as? String { return value }
    }
    return (mail?["tags"] as? [String: [String]])?["governor_message_id"]?.first
  }

  /// SES writes `2016-01-27T14:59:38.237Z`; the default ISO 8601 style has no fractions.
  private static func timestamp(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
  }

  private static func bad(_ field: String, _ problem: String) -> BadFeedback {
    BadFeedback(problems: [FieldProblem(field: field, problem: problem)])
  }
}
