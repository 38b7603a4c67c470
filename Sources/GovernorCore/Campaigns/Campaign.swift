import Foundation

/// A campaign to evaluate: one message sent to many customers at one time. `governor
/// evaluate` reads it from YAML as is; a campaign file (`CampaignFileLoader`) names its
/// message's files and a CSV of recipients instead.
public struct Campaign: Codable, Hashable, Sendable {
  public var id: String
  public var category: String
  public var sendAt: Date
  public var from: String
  public var subject: String
  public var html: String?
  public var text: String?
  public var recipients: [String]
  /// A body the mail sender renders itself (an ESP door's template), instead of html/text.
  public var template: SenderTemplate?

  public init(
    id: String, category: String, sendAt: Date, from: String, subject: String,
    html: String? = nil, text: String? = nil, recipients: [String] = []
  ) {
    self.id = id
    self.category = category
    self.sendAt = sendAt
    self.from = from
    self.subject = subject
    self.html = html
    self.text = text
    self.recipients = recipients
  }

  enum CodingKeys: String, CodingKey {
    case id, category, from, subject, html, text, recipients, template
    case sendAt = "send_at"
  }

  /// The message this campaign sends to `customer`, at `address` (the list's address for
  /// them) or else the one the customer is known by.
  public func message(to customer: CustomerState, at address: String? = nil) -> Message {
    var message = Message(
      id: "\(id)-\(customer.customerId)", customerId: customer.customerId,
      to: address ?? customer.email ?? "", from: from, subject: subject, html: html, text: text,
      category: category, campaignId: id, receivedAt: sendAt)
    message.template = template
    return message
  }
}
