import Foundation

/// One message a campaign tool asks the governor to send (the `POST /v1/messages` body).
public struct Message: Codable, Hashable, Sendable {
  /// The campaign tool's idempotency key.
  public var id: String
  public var customerId: String
  public var to: String
  public var from: String
  public var subject: String
  public var html: String?
  public var text: String?
  public var headers: [String: String]
  public var category: String
  public var campaignId: String?
  /// When the governor first accepted the message; a deferred message keeps it, so the
  /// policy's longest delay is measured from here. Nil means "now".
  public var receivedAt: Date?
  /// The message as its sender wrote it, for doors that take whole messages (SMTP). Its HTML
  /// and text bodies are `html` and `text`; what leaves is this message with those bodies as
  /// the rules left them, every other part byte for byte.
  public var mime: MIMESource?
  /// What the client itself turned off of the sender's own tracking (SendGrid's
  /// `tracking_settings`); nil: nothing. The governor turns off more where the recipient did
  /// not consent, never less than the client asked.
  public var senderTracking: SenderTracking?
  /// A body the mail sender renders itself; `html`, `text` and `mime` are then nil.
  public var template: SenderTemplate?
  /// When the client wants it sent (SendGrid's `send_at`, Mailgun's `o:deliverytime`): until
  /// then it is held, and it is decided again at that time, as a deferred message is.
  public var sendAt: Date?

  public init(
    id: String, customerId: String, to: String, from: String, subject: String,
    html: String? = nil, text: String? = nil, headers: [String: String] = [:],
    category: String, campaignId: String? = nil, receivedAt: Date? = nil,
    mime: MIMESource? = nil
  ) {
    self.id = id
    self.customerId = customerId
    self.to = to
    self.from = from
    self.subject = subject
    self.html = html
    self.text = text
    self.headers = headers
    self.category = category
    self.campaignId = campaignId
    self.receivedAt = receivedAt
    self.mime = mime
  }

  enum CodingKeys: String, CodingKey {
    case id, to, from, subject, html, text, headers, category, mime, template
    case senderTracking = "sender_tracking"
    case customerId = "customer_id"
    case campaignId = "campaign_id"
    case receivedAt = "received_at"
    case sendAt = "send_at"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    id = try container.decode(String.self, forKey: .id)
    customerId = try container.decode(String.self, forKey: .customerId)
    to = try container.decode(String.self, forKey: .to)
    from = try container.decode(String.self, forKey: .from)
    subject = try container.decode(String.self, forKey: .subject)
    html = try container.decodeIfPresent(String.self, forKey: .html)
    text = try container.decodeIfPresent(String.self, forKey: .text)
    headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
    category = try container.decode(String.self, forKey: .category)
    campaignId = try container.decodeIfPresent(String.self, forKey: .campaignId)
    receivedAt = try container.decodeIfPresent(Date.self, forKey: .receivedAt)
    mime = try container.decodeIfPresent(MIMESource.self, forKey: .mime)
    senderTracking = try container.decodeIfPresent(SenderTracking.self, forKey: .senderTracking)
    template = try container.decodeIfPresent(SenderTemplate.self, forKey: .template)
    sendAt = try container.decodeIfPresent(Date.self, forKey: .sendAt)
  }
}
