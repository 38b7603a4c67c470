import Crypto
import Foundation
import GovernorCore
import GovernorService

/// A SendGrid v3 mail turned into the governor's messages: one per address in every
/// personalization's `to`, `cc` and `bcc`, each with that personalization's subject, headers
/// and substitutions. Pure: what the request says, nothing looked up.
struct SendGridMessages {
  /// Where `messages[i]` came from, for errors that name the field.
  struct Origin {
    var personalization: Int
  }

  static let mostRecipients = 1_000
  /// `send_at` within this of now is sending now (clocks differ).
  static let scheduleSlack: TimeInterval = 60

  let mail: SendGridMail
  let requestId: String
  let policy: Policy
  let now: Date
  /// Each personalization's `dynamic_template_data`, as JSON text (`templateData(_:)`).
  var templateData: [String?] = []

  /// Each personalization's `dynamic_template_data` read from the body itself: its keys are
  /// the template's own names, which the snake_case decoding of the rest must not touch.
  static func templateData(_ body: Data) -> [String?] {
    let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
    let personalizations = object?["personalizations"] as? [[String: Any]] ?? []
    return personalizations.map { personalization in
      guard let data = personalization["dynamic_template_data"] as? [String: Any],
        let json = try? JSONSerialization.data(
          withJSONObject: data, options: [.sortedKeys, .withoutEscapingSlashes])
      else { return nil }
      return String(decoding: json, as: UTF8.self)
    }
  }

  /// SendGrid's `X-Message-Id` for a request: from the key and the body, so a client that
  /// retries the identical request gets the same id, and each recipient the same message id.
  static func requestId(keyId: String, body: Data) -> String {
    var hash = SHA256()
    hash.update(data: Array(keyId.utf8) + [0x0A])
    hash.update(data: body)
    return Data(hash.finalize().prefix(16)).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  func messages() throws(CompatibleError) -> [(AddressedMessage, Origin)] {
    try checkRequest()
    var out: [(AddressedMessage, Origin)] = []
    for (index, personalization) in mail.personalizations.enumerated() {
      let field = "personalizations.\(index)"
      let custom = (mail.customArgs ?? [:]).merging(personalization.customArgs ?? [:]) { $1 }
      let category = try category(custom)
      let substitute = Self.substitution(personalization.substitutions ?? [:])
      var headers = (mail.headers ?? [:]).merging(personalization.headers ?? [:]) { $1 }
        .mapValues(substitute)
      if let replyTo = replyTo() { headers["Reply-To"] = replyTo }
      let html = mail.content?.first { $0.type.lowercased() == "text/html" }?.value
      let text = mail.content?.first { $0.type.lowercased() == "text/plain" }?.value
      let subject = substitute(personalization.subject ?? mail.subject ?? "")
      var mime: MIMESource?
      if let attachments = mail.attachments, !attachments.isEmpty {
        do {
          mime = try MIMESource(
            MIMEComposer.content(
              html: html.map(substitute), text: text.map(substitute),
              attachments: attachments.map(Self.attachment)))
        } catch {
          throw .badRequest("The attachments cannot be composed: \(error)", field: "attachments")
        }
      }
      let base = custom["message_id"].flatMap(CompatibleLabels.nonEmpty) ?? "sg:\(requestId)"
      let from = Self.mailbox(personalization.from ?? mail.from)
      var seen: Set<String> = []
      let addresses =
        (personalization.to ?? []) + (personalization.cc ?? [])
        + (personalization.bcc ?? [])
      for address in addresses {
        guard seen.insert(address.email.lowercased()).inserted else {
          throw .badRequest(
            "Each email address in the personalization block should be unique between to, cc, "
              + "and bcc. We found the first duplicate instance of [\(address.email)] in the "
              + "\(field) field.", field: field)
        }
        var message = Message(
          id: MailMapping.messageId(base: base, recipient: address.email),
          customerId: custom["customer_id"].flatMap(CompatibleLabels.nonEmpty) ?? "",
          to: address.email,
          from: from, subject: subject, html: mime == nil ? html.map(substitute) : nil,
          text: mime == nil ? text.map(substitute) : nil, headers: headers, category: category,
          campaignId: custom["campaign_id"].flatMap(CompatibleLabels.nonEmpty)
            ?? mail.batchId.flatMap(CompatibleLabels.nonEmpty),
          mime: mime)
        message.senderTracking = mail.trackingSettings?.requested
        message.sendAt = try scheduled(
          personalization.sendAt ?? mail.sendAt,
          field: personalization.sendAt != nil ? "\(field).send_at" : "send_at")
        if let templateId = mail.templateId {
          message.template = SenderTemplate(
            provider: .sendgrid, id: templateId,
            data: index < templateData.count ? templateData[index] : nil)
        }
        out.append(
          (
            AddressedMessage(message, customerGiven: custom["customer_id"] != nil),
            Origin(personalization: index)
          ))
      }
    }
    return out
  }

  /// What SendGrid refuses whole before anything is sent, and what the governor refuses
  /// because it would forward something it did not check.
  private func checkRequest() throws(CompatibleError) {
    guard !mail.personalizations.isEmpty else {
      throw .badRequest(
        "The personalizations field is required and must have at least one personalization.",
        field: "personalizations")
    }
    let total = mail.personalizations.reduce(0) {
      $0 + ($1.to?.count ?? 0) + ($1.cc?.count ?? 0) + ($1.bcc?.count ?? 0)
    }
    guard total <= Self.mostRecipients else {
      throw .badRequest(
        "There is a limit of \(Self.mostRecipients) total recipients (to + cc + bcc) per "
          + "request; this one has \(total).", field: "personalizations")
    }
    for (index, personalization) in mail.personalizations.enumerated()
    where (personalization.to ?? []).isEmpty {
      throw .badRequest(
        "The to array is required for all personalization objects, and must have at least "
          + "one email object with a valid email address.",
        field: "personalizations.\(index).to")
    }
    if mail.templateId != nil {
      // Passed through whole or not at all: a body of our own beside it would be one the
      // sender may or may not use.
      for (given, field) in [
        (mail.content?.isEmpty == false, "content"),
        (mail.attachments?.isEmpty == false, "attachments"),
      ] where given {
        throw .badRequest(
          "With template_id the sender renders the whole body: send \(field) without a "
            + "template, or the template without \(field).", field: field)
      }
      for (index, personalization) in mail.personalizations.enumerated()
      where personalization.substitutions?.isEmpty == false {
        throw .badRequest(
          "Legacy substitutions are applied by the governor to content it sees; with a "
            + "template use dynamic_template_data.",
          field: "personalizations.\(index).substitutions")
      }
      return
    }
    for (index, content) in (mail.content ?? []).enumerated() {
      let type = content.type.lowercased()
      guard type == "text/plain" || type == "text/html" else {
        throw .badRequest(
          "Only text/plain and text/html content is checked by the governor; '\(content.type)' "
            + "would leave unchecked.", field: "content.\(index).type")
      }
    }
    guard (mail.content ?? []).contains(where: { !$0.value.isEmpty }) else {
      throw .badRequest(
        "Unless a valid template_id is provided, the content parameter is required. There "
          + "must be at least one defined content block.", field: "content")
    }
  }

  /// `send_at` (Unix seconds), when it is later than now: the message is held until then and
  /// decided again at that time.
  private func scheduled(_ sendAt: Int?, field: String) throws(CompatibleError) -> Date? {
    guard let sendAt else { return nil }
    let when = Date(timeIntervalSince1970: TimeInterval(sendAt))
    guard when.timeIntervalSince(now) <= Gateway.furthestSchedule else {
      throw .badRequest(
        "The send_at parameter can't be scheduled more than 72 hours in advance.", field: field)
    }
    return when.timeIntervalSince(now) > Self.scheduleSlack ? when : nil
  }

  /// `custom_args.category` first (a category of the policy or one of its aliases), then the
  /// unsubscribe group as `asm:<id>`, then the first of `categories` the policy knows.
  private func category(_ custom: [String: String]) throws(CompatibleError) -> String {
    if let given = custom["category"] {
      return try CompatibleLabels.category(given, policy: policy, field: "custom_args.category")
    }
    if let group = mail.asm?.groupId, let name = policy.categoryName(for: "asm:\(group)") {
      return name
    }
    for label in mail.categories ?? [] {
      if let name = policy.categoryName(for: label) { return name }
    }
    let group =
      mail.asm.map { " asm.group_id \($0.groupId) is no category's alias (asm:\($0.groupId))." }
      ?? ""
    throw .badRequest(
      "The mail names no category of the governor's policy (\(CompatibleLabels.known(policy))): set "
        + "custom_args.category, or list a category or one of its aliases in categories."
        + group, field: "custom_args.category")
  }

  private func replyTo() -> String? {
    if let list = mail.replyToList, !list.isEmpty {
      return list.map(Self.mailbox).joined(separator: ", ")
    }
    return mail.replyTo.map(Self.mailbox)
  }

  /// SendGrid's legacy substitutions: each key replaced by its value in one pass over the
  /// text, the longest key first where several start at one place (`-name-` does not eat into
  /// `-name-full-`). A value is never read again for keys: replacing key after key did, so
  /// values naming each other doubled the text per key. Bytes, not Characters: a key matches
  /// from the first byte of a character only, since no UTF-8 character starts with a
  /// continuation byte.
  static func substitution(_ pairs: [String: String]) -> @Sendable (String) -> String {
    var keysByFirstByte: [UInt8: [(key: [UInt8], value: [UInt8])]] = [:]
    for (key, value) in pairs {
      guard let first = key.utf8.first else { continue }
      keysByFirstByte[first, default: []].append((Array(key.utf8), Array(value.utf8)))
    }
    for first in keysByFirstByte.keys {
      keysByFirstByte[first]?.sort { $0.key.count > $1.key.count }
    }
    let candidates = keysByFirstByte
    return { text in
      guard !candidates.isEmpty else { return text }
      let bytes = Array(text.utf8)
      var result: [UInt8] = []
      result.reserveCapacity(bytes.count)
      var index = 0
      scanning: while index < bytes.count {
        for (key, value) in candidates[bytes[index]] ?? []
        where bytes.count - index >= key.count
          && bytes[index..<index + key.count].elementsEqual(key)
        {
          result += value
          index += key.count
          continue scanning
        }
        result.append(bytes[index])
        index += 1
      }
      return String(decoding: result, as: UTF8.self)
    }
  }

  /// `"Name" <address>`: the name quoted, so a comma or a quote in it cannot add recipients.
  static func mailbox(_ address: SendGridMail.Address) -> String {
    guard let name = address.name.flatMap(CompatibleLabels.nonEmpty) else { return address.email }
    let quoted = name.unicodeScalars.filter { $0.value >= 0x20 }.map(String.init).joined()
      .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return "\"\(quoted)\" <\(address.email)>"
  }

  static func attachment(_ file: SendGridMail.Attachment) -> MIMEAttachment {
    MIMEAttachment(
      base64: file.content, type: file.type ?? "application/octet-stream",
      filename: file.filename, inline: file.disposition?.lowercased() == "inline",
      contentId: file.contentId)
  }

}
