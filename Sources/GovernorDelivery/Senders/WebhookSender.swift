import Foundation
import GovernorCore

/// Posts each forwarded message as JSON to a URL: the body is the message as the governor
/// received it (snake_case, the `POST /v1/messages` shape) plus `mime`, the rendered RFC 5322
/// message, and `tracking` (`{"opens": false, "clicks": false, "link_parameters": false}`):
/// what tracking of its own the receiver may add — false means the recipient did not consent
/// and the receiver must not add it. `Idempotency-Key` carries the message id, so a retried
/// post can be recognised.
/// Any 2xx is delivered; an `id` field in a JSON response is kept as the reference.
public struct WebhookSender: MailSender {
  public let url: String
  public let delivery: HTTPDelivery
  public var breaker: CircuitBreaker? { delivery.breaker }

  public init(url: String, delivery: HTTPDelivery) {
    self.url = url
    self.delivery = delivery
  }

  public var description: String { "webhook:\(url)" }

  public func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult {
    let body = ForwardedMessageJSON.compact(
      message, tracking: tracking,
      mime: String(decoding: MIMEMessage.bytes(message, date: Date()), as: UTF8.self))
    let request = SenderRequest(
      method: "POST", url: url,
      headers: [
        ("Content-Type", "application/json"), ("Idempotency-Key", message.id),
        ("User-Agent", "mail-governor"),
      ],
      body: body)
    return await delivery.deliver(request) { response in
      (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["id"]
        as? String
    }
  }
}
