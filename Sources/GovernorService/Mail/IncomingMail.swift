import Crypto
import Foundation
import GovernorCore

/// A whole message as a mail door receives it: the envelope and the sender's bytes. Every
/// recipient becomes one `Message`, decided by the same `Gateway.submit` as `POST /v1/messages`.
public struct IncomingMail: Sendable {
  /// MAIL FROM; the From header is the message's sender, this only stands in without one.
  public var envelopeSender: String
  /// RCPT TO, in order, each one address.
  public var recipients: [String]
  public var source: MIMESource
  public var defaults: MailDefaults

  public init(
    envelopeSender: String, recipients: [String], source: MIMESource, defaults: MailDefaults
  ) {
    self.envelopeSender = envelopeSender
    self.recipients = recipients
    self.source = source
    self.defaults = defaults
  }
}

/// What a listener (or a key) says of mail that does not say it itself.
public struct MailDefaults: Hashable, Sendable {
  public var category: String?
  public var campaignId: String?
  /// When the client scheduled it for (Mailgun's `o:deliverytime`); nil: now.
  public var sendAt: Date?

  public init(category: String? = nil, campaignId: String? = nil, sendAt: Date? = nil) {
    self.category = category
    self.campaignId = campaignId
    self.sendAt = sendAt
  }
}

/// How a whole message's category, campaign, headers and ids are read: the documented mapping
/// (README, "Using it from your campaign tool").
public enum MailMapping {
  /// Set by the sending tool for the governor, and removed before the message leaves.
  public static let categoryHeader = "X-Governor-Category"
  public static let campaignHeader = "X-Governor-Campaign"

  /// Campaign headers campaign tools already write, in the order they are read after
  /// `X-Governor-Campaign`: listmonk's campaign UUID, Mautic's email id, then the list.
  public static let toolCampaignHeaders = ["X-Listmonk-Campaign", "X-EMAIL-ID", "List-Id"]

  /// Headers that do not travel as the message's own: the ones written from its fields, the
  /// content's (kept with the content), the ones that would route it further or that only a
  /// receiving server writes, signatures the governor's changes would break, and its own.
  static let notCarried: Set<String> = [
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
    "received", "return-path", "delivered-to", "x-original-to", "apparently-to",
    "envelope-to", "x-envelope-to", "dkim-signature", "domainkey-signature",
    "authentication-results", "received-spf", "x-governor-category", "x-governor-campaign",
    "x-governor-message-id",
  ]

  static func carried(_ name: String) -> Bool {
    let lowered = name.lowercased()
    return !notCarried.contains(lowered) && !lowered.hasPrefix("content-")
      && !lowered.hasPrefix("resent-") && !lowered.hasPrefix("arc-")
  }

  /// The category: the header, else the default; nil when neither says.
  static func category(_ headers: [MIMEHeader], _ defaults: MailDefaults) -> String? {
    headers.first(categoryHeader).map(\.value).flatMap(nonEmpty) ?? defaults.category
  }

  static func campaign(_ headers: [MIMEHeader], _ defaults: MailDefaults) -> String? {
    for name in [campaignHeader] + toolCampaignHeaders {
      guard let value = headers.first(name).map(\.value).flatMap(nonEmpty) else { continue }
      // `List-Id: Newsletter <news.shop.example>` names the list by what is in brackets.
      if name == "List-Id", let open = value.lastIndex(of: "<"),
        let close = value.lastIndex(of: ">"),
        open < close
      {
        return String(value[value.index(after: open)..<close])
      }
      return value
    }
    return defaults.campaignId
  }

  /// One message id per message and recipient: a client that sends the same message again
  /// after a lost reply gets the first decision. Without a Message-ID, the content's digest
  /// stands in, so a resend of the same bytes is still the same message.
  static func messageId(_ source: MIMESource, recipient: String) -> String {
    let given = source.document.headers.first("Message-ID").map(\.value).flatMap(nonEmpty)
    let base = given ?? "<sha256:\(Hex.encode(Array(source.digest.prefix(16))))>"
    return messageId(base: base, recipient: recipient)
  }

  /// A message id per recipient of one message (`base`) that names several: the base and the
  /// address, or their digest past the 200 characters an id may have.
  public static func messageId(base: String, recipient: String) -> String {
    let id = "\(base)/\(recipient.lowercased())"
    guard id.count > 200 else { return id }
    return "mail:" + Hex.encode(Array(SHA256.hash(data: Array(id.utf8)).prefix(20)))
  }

  static func nonEmpty(_ text: String) -> String? {
    let trimmed = String(text.trimmingWhitespace())
    return trimmed.isEmpty ? nil : trimmed
  }
}
