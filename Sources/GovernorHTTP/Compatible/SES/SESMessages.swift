import Crypto
import Foundation
import GovernorCore
import GovernorService

/// An SES send turned into the governor's messages: one per address in the destination. The
/// customer is the tag `customer_id`, else the one the store knows by the address; the
/// category is the tag `category`, else the topic (v2's `ListManagementOptions.TopicName`),
/// each a policy category or one of its aliases; the campaign is the tag `campaign_id`.
struct SESMessages {
  let mail: SESMail
  let messageId: String
  let policy: Policy

  /// SES's `MessageId` for a request: from the key and the request's content, so a retry
  /// (botocore retries on its own) is the same messages. The content is the JSON with its keys
  /// sorted, or the form's `canonicalBytes`: the same request built from a dictionary in
  /// another order is the same request.
  static func messageId(keyId: String, canonical: [UInt8]) -> String {
    var hash = SHA256()
    hash.update(data: Array("\(keyId)\n".utf8))
    hash.update(data: canonical)
    return "gov-" + Hex.encode(Array(hash.finalize().prefix(16)))
  }

  static func canonicalJSON(_ body: [UInt8]) -> [UInt8] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(body)),
      let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    else { return body }
    return Array(sorted)
  }

  /// The category the tags or the topic name; nil when neither does.
  func namedCategory() throws(CompatibleError) -> String? {
    for (label, field) in [
      (mail.tags["category"], "EmailTags.category"),
      (mail.topic, "ListManagementOptions.TopicName"),
    ] {
      guard let label else { continue }
      return try CompatibleLabels.category(label, policy: policy, field: field)
    }
    return nil
  }

  func recipients() throws(CompatibleError) -> [String] {
    var seen: Set<String> = []
    let all = (mail.to + mail.cc + mail.bcc).filter { seen.insert($0.lowercased()).inserted }
    guard !all.isEmpty else {
      throw .badRequest("Destination must name at least one address", field: "Destination")
    }
    guard all.count <= 50 else {
      throw .badRequest(
        "Recipient count exceeds 50 (SES's limit per message)", field: "Destination")
    }
    return all
  }

  func messages() throws(CompatibleError) -> [AddressedMessage] {
    guard let from = mail.from, !from.isEmpty else {
      throw .badRequest("FromEmailAddress is required", field: "FromEmailAddress")
    }
    guard let category = try namedCategory() else {
      throw .badRequest(
        "The message names no category of the governor's policy: set the EmailTag "
          + "'category', or ListManagementOptions.TopicName to a category or an alias",
        field: "EmailTags")
    }
    var headers: [String: String] = [:]
    for (name, value) in mail.headers { headers[name] = value }
    if !mail.replyTo.isEmpty { headers["Reply-To"] = mail.replyTo.joined(separator: ", ") }
    // Where SES reads it from a raw message too; the SES sender keeps it only where the
    // recipient consented to tracking.
    if let set = mail.configurationSet { headers["X-SES-CONFIGURATION-SET"] = set }
    let customerId = mail.tags["customer_id"]
    return try recipients().map { address in
      var message = Message(
        id: MailMapping.messageId(base: messageId, recipient: address),
        customerId: customerId ?? "", to: address, from: from, subject: mail.subject,
        html: mail.html, text: mail.text, headers: headers, category: category,
        campaignId: mail.tags["campaign_id"])
      message.template = mail.template
      return AddressedMessage(message, customerGiven: customerId != nil)
    }
  }

  /// A raw message as the SMTP door takes one; its recipients are the destination's, else
  /// its own `To`, `Cc` and `Bcc` headers.
  func incoming(_ source: MIMESource) throws(CompatibleError) -> IncomingMail {
    var recipients = mail.to + mail.cc + mail.bcc
    if recipients.isEmpty {
      for name in ["To", "Cc", "Bcc"] {
        for header in source.document.headers where MIMEHeader.sameName(header.name, name) {
          recipients += CompatibleLabels.addressList(header.value).map {
            (try? Mailbox(parsing: $0))?.address ?? $0
          }
        }
      }
    }
    guard !recipients.isEmpty else {
      throw .badRequest("The message names no recipient", field: "Destinations")
    }
    return IncomingMail(
      envelopeSender: mail.from ?? "", recipients: recipients, source: source,
      defaults: MailDefaults(category: try namedCategory(), campaignId: mail.tags["campaign_id"]))
  }
}
