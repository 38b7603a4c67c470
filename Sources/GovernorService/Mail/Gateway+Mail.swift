import Foundation
import GovernorCore
import GovernorStore

/// Why a whole message was refused before any recipient was decided.
public enum MailRefusal: Error, Hashable, Sendable, CustomStringConvertible {
  /// Nothing says which category the mail is: the rules cannot be chosen.
  case noCategory
  /// The store could not be read; nothing was decided. Safe to send again.
  case storeUnavailable

  public var description: String {
    switch self {
    case .storeUnavailable:
      "the governor's store could not be read; nothing was decided or sent"
    case .noCategory:
      "the message names no category: set the \(MailMapping.categoryHeader) header, or a "
        + "default category for this listener"
    }
  }
}

extension Gateway {
  /// A whole message to several recipients: one decision per recipient, each made, recorded
  /// and forwarded by `submit` exactly as `POST /v1/messages` does it. Each recipient is the
  /// customer the store knows by that address; an address it does not know is a customer of
  /// its own (the address is its id), with no consent. Results are in recipient order.
  public func submitMail(_ mail: IncomingMail, concurrency: Int = 32) async throws(MailRefusal)
    -> [BatchItemResult]
  {
    let headers = mail.source.document.headers
    guard let label = MailMapping.category(headers, mail.defaults) else {
      throw .noCategory
    }
    // A category's alias names it too; an unknown label is refused by the validator, named.
    let category = policy.categoryName(for: label) ?? label
    let campaignId = MailMapping.campaign(headers, mail.defaults)
    let from = headers.first("From").map { EncodedWords.decode($0.value) } ?? mail.envelopeSender
    let subject = headers.first("Subject").map { EncodedWords.decode($0.value) } ?? ""
    var carried: [String: String] = [:]
    for header in headers where MailMapping.carried(header.name) && carried[header.name] == nil {
      carried[header.name] = header.value
    }
    let messages = mail.recipients.map { recipient in
      var message = Message(
        id: MailMapping.messageId(mail.source, recipient: recipient), customerId: "",
        to: recipient, from: from, subject: subject, headers: carried, category: category,
        campaignId: campaignId, mime: mail.source)
      message.sendAt = mail.defaults.sendAt
      return Result<AddressedMessage, InvalidRecord>.success(
        AddressedMessage(message, customerGiven: false))
    }
    return try await submitAddressed(messages, concurrency: concurrency)
  }
}
