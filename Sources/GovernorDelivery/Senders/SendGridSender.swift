import Foundation
import GovernorCore

/// SendGrid v3 `POST /v3/mail/send`. `sendgrid:URL` names the API base
/// (`https://api.sendgrid.com`); the key comes from `SENDGRID_API_KEY` as a bearer token. The
/// message id travels as the `governor_message_id` custom arg (SendGrid echoes custom args in
/// its event webhook) and in the `X-Governor-Message-Id` header; `X-Message-Id` of the 202
/// answer is kept as the reference.
public struct SendGridSender: MailSender {
  public let base: String
  public let apiKey: String
  public let delivery: HTTPDelivery
  public var breaker: CircuitBreaker? { delivery.breaker }

  public init(base: String, apiKey: String, delivery: HTTPDelivery) {
    self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
    self.apiKey = apiKey
    self.delivery = delivery
  }

  public var description: String { "sendgrid:\(base)" }
  public var templates: SenderTemplate.Provider? { .sendgrid }

  public func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult {
    // Checked when the message was accepted; one held from before that check is not sent.
    guard let from = try? Mailbox(parsing: message.from),
      let to = try? Mailbox(parsing: message.to)
    else {
      return .failed(reason: "'to' or 'from' is not exactly one mailbox", attempts: 0)
    }
    var fromObject: [String: String] = ["email": MIMEMessage.asciiAddress(from)]
    if let name = from.displayName { fromObject["name"] = name }
    var content: [[String: String]] = []
    if let text = message.text { content.append(["type": "text/plain", "value": text]) }
    if let html = message.html { content.append(["type": "text/html", "value": html]) }
    // Echoed in SendGrid's event webhook: bounces and complaints find their customer by it.
    let customArgs = [
      "governor_message_id": message.id, "governor_customer_id": message.customerId,
      "governor_category": message.category,
    ]
    var personalization: [String: Any] = [
      "to": [["email": MIMEMessage.asciiAddress(to)]], "custom_args": customArgs,
    ]
    var body: [String: Any] = [
      "from": fromObject,
      "subject": message.subject,
      "headers": message.headers.merging(["X-Governor-Message-Id": message.id]) { $1 },
      "categories": [message.category],
    ]
    if let template = message.template {
      // The template's own subject stands unless the client gave one.
      if message.subject.isEmpty { body["subject"] = nil }
      body["template_id"] = template.id
      if let data = template.data,
        let object = try? JSONSerialization.jsonObject(with: Data(data.utf8))
      {
        personalization["dynamic_template_data"] = object
      }
    }
    body["personalizations"] = [personalization]
    if !content.isEmpty { body["content"] = content }
    if let source = message.mime {
      let attachments = Self.attachments(source)
      if !attachments.isEmpty { body["attachments"] = attachments }
    }
    if let settings = Self.trackingSettings(tracking) { body["tracking_settings"] = settings }
    guard let json = try? JSONSerialization.data(withJSONObject: body, options: .sortedKeys) else {
      return .failed(reason: "the SendGrid request could not be encoded", attempts: 0)
    }
    let request = SenderRequest(
      method: "POST", url: base + "/v3/mail/send",
      headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(apiKey)")],
      body: json)
    return await delivery.deliver(request) { $0.headers["x-message-id"] }
  }
}

extension SendGridSender {
  /// A whole message's parts other than its bodies, as v3 `attachments`: SendGrid builds the
  /// MIME itself, so inline images keep their Content-ID and disposition to stay inline.
  static func attachments(_ source: MIMESource) -> [[String: String]] {
    source.document.attachments.compactMap { part in
      guard let content = source.document.content(of: part) else { return nil }
      var attachment = [
        "content": Data(content).base64EncodedString(),
        "type": part.contentType.value,
        "filename": part.filename ?? "attachment",
        "disposition": part.disposition?.value == "inline" || part.contentId != nil
          ? "inline" : "attachment",
      ]
      if let contentId = part.contentId { attachment["content_id"] = contentId }
      return attachment
    }
  }

  /// `tracking_settings` switching off what the recipient did not agree to; what is allowed
  /// is not mentioned, so the account's (and the campaign tool's) own settings stand.
  static func trackingSettings(_ tracking: SenderTracking) -> [String: Any]? {
    var settings: [String: Any] = [:]
    if !tracking.opens { settings["open_tracking"] = ["enable": false] }
    // `enable_text`: SendGrid also rewrites links in the text part unless told not to.
    if !tracking.clicks { settings["click_tracking"] = ["enable": false, "enable_text": false] }
    if !tracking.linkParameters { settings["ganalytics"] = ["enable": false] }
    return settings.isEmpty ? nil : settings
  }
}
