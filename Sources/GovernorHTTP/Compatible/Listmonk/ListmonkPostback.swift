import Crypto
import Foundation
import GovernorCore
import GovernorService

/// What listmonk's HTTP postback messenger posts for each message: one recipient per request
/// (`internal/messenger/postback` in listmonk's source, and its documentation's example).
struct ListmonkPostback: Decodable {
  struct Recipient: Decodable {
    var uuid: String?
    var email: String
    var name: String?
    var attribs: [String: JSONAttribute]?
  }

  struct Campaign: Decodable {
    var uuid: String?
    var name: String?
    var fromEmail: String?
    /// `[{"X-Header": "value"}, …]`, as listmonk stores a campaign's headers.
    var headers: [[String: String]]?
    var tags: [String]?
  }

  struct Attachment: Decodable {
    var name: String
    /// Go's `textproto.MIMEHeader`: each name to its values.
    var header: [String: [String]]?
    /// Go writes `[]byte` as base64.
    var content: String
  }

  /// Subscriber attributes are free JSON; only strings and objects are read.
  indirect enum JSONAttribute: Decodable {
    case text(String)
    case object([String: JSONAttribute])
    case other

    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let text = try? container.decode(String.self) {
        self = .text(text)
      } else if let object = try? container.decode([String: JSONAttribute].self) {
        self = .object(object)
      } else {
        self = .other
      }
    }

    var text: String? {
      if case .text(let value) = self { return value }
      return nil
    }

    var object: [String: JSONAttribute]? {
      if case .object(let value) = self { return value }
      return nil
    }
  }

  var subject: String
  var contentType: String?
  var body: String
  var recipients: [Recipient]
  var campaign: Campaign?
  var attachments: [Attachment]?

  /// The message for each recipient, through the documented mapping (README, "listmonk"):
  /// the customer is the subscriber attribute `customer_id`, else the one the store knows by
  /// the address; the category is the header `X-Governor-Category`, else the first campaign
  /// tag the policy names (a category or an alias); the campaign is the campaign's UUID.
  func messages(policy: Policy) throws(InvalidRecord) -> [AddressedMessage] {
    guard !recipients.isEmpty else {
      throw InvalidRecord(field: "recipients", problem: "must name at least one subscriber")
    }
    var headers: [String: String] = [:]
    for pair in campaign?.headers ?? [] {
      for (name, value) in pair { headers[name] = value }
    }
    let named = headers.first { MIMEHeader.sameName($0.key, MailMapping.categoryHeader) }
    headers = headers.filter {
      !MIMEHeader.sameName($0.key, MailMapping.categoryHeader)
        && !MIMEHeader.sameName($0.key, MailMapping.campaignHeader)
    }
    let labels = (named.map { [$0.value] } ?? []) + (campaign?.tags ?? [])
    guard let category = labels.lazy.compactMap(policy.categoryName(for:)).first else {
      let known = CompatibleLabels.known(policy)
      throw InvalidRecord(
        field: "campaign.tags",
        problem:
          "name no category of the governor's policy (\(known)) or alias of one: tag the "
          + "campaign with one, or set the campaign header \(MailMapping.categoryHeader)")
    }
    let plain = contentType?.lowercased() == "plain"
    var mime: MIMESource?
    if let attachments, !attachments.isEmpty {
      do {
        mime = try MIMESource(
          MIMEComposer.content(
            html: plain ? nil : body, text: plain ? body : nil,
            attachments: attachments.map(Self.attachment)))
      } catch {
        throw InvalidRecord(field: "attachments", problem: "cannot be composed: \(error)")
      }
    }
    // A retry of the same push is the same message; an edited campaign sent again is not.
    var digest = SHA256()
    digest.update(data: Array(subject.utf8) + [0] + Array(body.utf8))
    let base =
      "listmonk:\(campaign?.uuid ?? "test"):\(Hex.encode(Array(digest.finalize().prefix(8))))"
    return try recipients.enumerated().map { (index, recipient) throws(InvalidRecord) in
      let customerId = recipient.attribs?["customer_id"]?.text
      return AddressedMessage(
        Message(
          id: MailMapping.messageId(base: base, recipient: recipient.email),
          customerId: customerId ?? "", to: recipient.email,
          from: campaign?.fromEmail ?? "", subject: subject,
          html: mime == nil && !plain ? body : nil, text: mime == nil && plain ? body : nil,
          headers: headers, category: category, campaignId: campaign?.uuid, mime: mime),
        customerGiven: customerId != nil,
        consents: try ListmonkConsent.events(
          recipient.attribs?["consent"], recipient: recipient,
          field: "recipients.\(index).attribs.consent"))
    }
  }

  static func attachment(_ file: Attachment) -> MIMEAttachment {
    let header = file.header ?? [:]
    let type = header.first { MIMEHeader.sameName($0.key, "Content-Type") }?.value.first
    let disposition =
      header.first { MIMEHeader.sameName($0.key, "Content-Disposition") }?.value.first ?? ""
    return MIMEAttachment(
      base64: file.content,
      type: type.map { String($0.prefix { $0 != ";" }) } ?? "application/octet-stream",
      filename: file.name, inline: disposition.lowercased().hasPrefix("inline"))
  }
}
