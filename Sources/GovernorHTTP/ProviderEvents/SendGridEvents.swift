import Foundation
import GovernorCore
import GovernorService

/// SendGrid's event webhook: a JSON array of events. `bounce` (type `bounce`, not `blocked`),
/// `dropped` for a bounced, invalid, unsubscribed or spam-reporting address, `spamreport`,
/// `unsubscribe` and `group_unsubscribe` stop mail; everything else (delivered, open, click,
/// deferred, …) is counted and ignored. `delivered`, a hard `bounce` and `spamreport` are also
/// reports, counted against the message their `governor_message_id` custom arg names.
enum SendGridEvents {
  static func parse(_ body: Data) throws(BadFeedback) -> FeedbackBatch {
    guard let array = try? JSONSerialization.jsonObject(with: body) as? [Any] else {
      throw BadFeedback(problems: [
        FieldProblem(field: "body", problem: "is not a JSON array of SendGrid events")
      ])
    }
    var batch = FeedbackBatch(events: [], ignored: 0)
    var problems: [FieldProblem] = []
    for (index, element) in array.enumerated() {
      guard let event = element as? [String: Any] else {
        problems.append(FieldProblem(field: "[\(index)]", problem: "is not an object"))
        continue
      }
      guard let name = event["event"] as? String else {
        problems.append(FieldProblem(field: "[\(index)].event", problem: "is missing"))
        continue
      }
      // An event that stops mail is checked below; a delivery without its id or address is
      // only not counted.
      if let outcome = reportOutcome(of: name, event), let id = event["sg_event_id"] as? String,
        !id.isEmpty, let email = event["email"] as? String, email.contains("@")
      {
        let timestamp = (event["timestamp"] as? NSNumber)?.doubleValue
        batch.reports.append(
          DeliveryReport(
            key: "sendgrid:\(id)", provider: "sendgrid", outcome: outcome,
            messageId: event["governor_message_id"] as? String, email: email,
            at: timestamp.map(Date.init(timeIntervalSince1970:)) ?? Date()))
      }
      guard let effect = effect(of: name, event) else {
        batch.ignored += 1
        continue
      }
      guard let email = event["email"] as? String, email.contains("@") else {
        problems.append(
          FieldProblem(field: "[\(index)].email", problem: "is missing or not an address"))
        continue
      }
      guard let id = event["sg_event_id"] as? String, !id.isEmpty else {
        problems.append(FieldProblem(field: "[\(index)].sg_event_id", problem: "is missing"))
        continue
      }
      let timestamp = (event["timestamp"] as? NSNumber)?.doubleValue
      batch.events.append(
        FeedbackEvent(
          key: "sendgrid:\(id)", reason: effect.reason, scope: effect.scope,
          customerId: event["governor_customer_id"] as? String, email: email,
          at: timestamp.map(Date.init(timeIntervalSince1970:)) ?? Date(),
          source: "sendgrid \(name)"))
    }
    guard problems.isEmpty else { throw BadFeedback(problems: problems) }
    return batch
  }

  /// What a mailbox provider said about the message, for the rates: a `dropped` message
  /// never reached one.
  private static func reportOutcome(of name: String, _ event: [String: Any])
    -> DeliveryReport.Outcome?
  {
    switch name {
    case "delivered": return .delivered
    case "bounce": return event["type"] as? String == "blocked" ? nil : .hardBounced
    case "spamreport": return .complained
    default: return nil
    }
  }

  private static func effect(of name: String, _ event: [String: Any]) -> (
    reason: SuppressionReason, scope: SuppressionScope
  )? {
    switch name {
    // `blocked` is SendGrid's temporary failure: the address exists.
    case "bounce": return event["type"] as? String == "blocked" ? nil : (.hardBounce, .all)
    case "spamreport": return (.complaint, .all)
    case "unsubscribe": return (.unsubscribed, .all)
    case "group_unsubscribe":
      // The category we sent with is the nearest thing to SendGrid's group.
      return (.unsubscribed, (event["governor_category"] as? String).map { .category($0) } ?? .all)
    case "dropped":
      let reason = (event["reason"] as? String ?? "").lowercased()
      if reason.contains("bounce") || reason.contains("invalid") { return (.hardBounce, .all) }
      if reason.contains("spam") { return (.complaint, .all) }
      if reason.contains("unsubscribe") { return (.unsubscribed, .all) }
      return nil
    default: return nil
    }
  }
}
