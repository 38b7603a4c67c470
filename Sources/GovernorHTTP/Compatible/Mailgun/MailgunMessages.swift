import Crypto
import Foundation
import GovernorCore
import GovernorService

/// A Mailgun `POST /v3/{domain}/messages` form turned into the governor's messages: one per
/// address in `to`, `cc` and `bcc` (repeated or comma-separated), each with its
/// `recipient-variables` substituted (`%recipient.name%`) in the subject, the bodies, the
/// `h:` headers and the `v:` variables. Pure: what the form says, nothing looked up.
struct MailgunMessages {
  static let mostRecipients = 1_000

  let form: MailgunForm
  let domain: String
  let keyId: String
  let policy: Policy
  let now: Date

  /// Mailgun's answer `id` for the form: from the key, the domain and the fields (not the
  /// bytes: a multipart retry has a new boundary; and in name order, as a client may build
  /// its form from a dictionary), so the same request again is the same messages.
  var requestId: String {
    var hash = SHA256()
    hash.update(data: Array("\(keyId)\n\(domain)\n".utf8))
    hash.update(data: form.canonicalBytes)
    let digest = Hex.encode(Array(hash.finalize().prefix(12)))
    return "<\(digest)@\(domain)>"
  }

  /// Every recipient, in the order the form names them.
  func recipients() throws(CompatibleError) -> [String] {
    var seen: Set<String> = []
    var addresses: [String] = []
    for name in ["to", "cc", "bcc"] {
      for value in form.values(name) {
        for piece in CompatibleLabels.addressList(value) {
          let address = (try? Mailbox(parsing: piece))?.address ?? piece
          if seen.insert(address.lowercased()).inserted { addresses.append(address) }
        }
      }
    }
    guard !addresses.isEmpty else {
      throw .badRequest("to parameter is missing", field: nil)
    }
    guard addresses.count <= Self.mostRecipients else {
      throw .badRequest(
        "Too many recipients: \(addresses.count); the limit is \(Self.mostRecipients)",
        field: "to")
    }
    return addresses
  }

  func messages() throws(CompatibleError) -> [AddressedMessage] {
    guard let from = form.first("from"), !from.isEmpty else {
      throw .badRequest("from parameter is missing", field: nil)
    }
    try checkRequest()
    let recipients = try recipients()
    let variables = try recipientVariables()
    let html = form.first("html")
    let text = form.first("text")
    guard html != nil || text != nil else {
      throw .badRequest("Need at least one of 'text' or 'html' parameters specified", field: nil)
    }
    let files =
      form.files("attachment").map { attachment($0, inline: false) }
      + form.files("inline").map { attachment($0, inline: true) }
    let base = requestId
    let sendAt = try scheduled()
    return try recipients.map { address throws(CompatibleError) in
      let substitute = Self.substitution(variables[address.lowercased()] ?? [:])
      let custom = Dictionary(
        form.fields.filter { $0.name.hasPrefix("v:") && $0.filename == nil }
          .map { (String($0.name.dropFirst(2)), substitute($0.text)) },
        uniquingKeysWith: { first, _ in first })
      var headers: [String: String] = [:]
      for field in form.fields where field.name.hasPrefix("h:") && field.filename == nil {
        headers[String(field.name.dropFirst(2))] = substitute(field.text)
      }
      let category = try category(custom)
      var mime: MIMESource?
      if !files.isEmpty {
        do {
          mime = try MIMESource(
            MIMEComposer.content(
              html: html.map(substitute), text: text.map(substitute), attachments: files))
        } catch {
          throw .badRequest("The attachments cannot be composed: \(error)", field: "attachment")
        }
      }
      let customerId = custom["customer_id"].flatMap(CompatibleLabels.nonEmpty)
      var message = Message(
        id: MailMapping.messageId(
          base: custom["message_id"].flatMap(CompatibleLabels.nonEmpty) ?? base,
          recipient: address),
        customerId: customerId ?? "", to: address, from: from,
        subject: substitute(form.first("subject") ?? ""),
        html: mime == nil ? html.map(substitute) : nil,
        text: mime == nil ? text.map(substitute) : nil, headers: headers, category: category,
        campaignId: custom["campaign_id"].flatMap(CompatibleLabels.nonEmpty), mime: mime)
      message.sendAt = sendAt
      message.senderTracking = requestedTracking
      return AddressedMessage(message, customerGiven: customerId != nil)
    }
  }

  /// What the client turned off of the sender's tracking (`o:tracking`, `o:tracking-opens`,
  /// `o:tracking-clicks` set to `no` or `false`), kept as SendGrid's `tracking_settings` are;
  /// nil when it turned nothing off.
  var requestedTracking: SenderTracking? {
    func off(_ name: String) -> Bool {
      ["no", "false"].contains(form.first(name)?.lowercased() ?? "")
    }
    let all = off("o:tracking")
    let asked = SenderTracking(
      opens: !(all || off("o:tracking-opens")), clicks: !(all || off("o:tracking-clicks")),
      linkParameters: true)
    return asked.isAllowed ? nil : asked
  }

  /// `o:testmode`: decided, answered, nothing recorded or sent.
  var testMode: Bool {
    ["yes", "true", "1"].contains(form.first("o:testmode")?.lowercased() ?? "")
  }

  private func checkRequest() throws(CompatibleError) {
    if form.first("template") != nil {
      throw .badRequest(
        "Templates are not sent through the governor: it must see the body it checks and "
          + "rewrites. Render the template and send its text and html.", field: "template")
    }
    _ = try scheduled()
  }

  /// `o:deliverytime`, when it is later than now: the message is held until then and decided
  /// again at that time.
  func scheduled() throws(CompatibleError) -> Date? {
    guard let delivery = form.first("o:deliverytime") else { return nil }
    guard let when = Self.rfc2822.date(from: delivery) else {
      throw .badRequest(
        "is not an RFC 2822 date such as 'Thu, 13 Oct 2011 18:02:00 +0000'",
        field: "o:deliverytime")
    }
    guard when.timeIntervalSince(now) <= Gateway.furthestSchedule else {
      throw .badRequest(
        "o:deliverytime may be at most 72 hours ahead", field: "o:deliverytime")
    }
    return when.timeIntervalSince(now) > SendGridMessages.scheduleSlack ? when : nil
  }

  /// `v:category`, else the first `o:tag` that is a category of the policy or an alias; nil
  /// when neither says.
  func namedCategory(_ custom: [String: String]) throws(CompatibleError) -> String? {
    if let given = custom["category"] {
      return try CompatibleLabels.category(given, policy: policy, field: "v:category")
    }
    return form.values("o:tag").lazy.compactMap(policy.categoryName(for:)).first
  }

  /// The form's own `v:` variables, before any recipient's are substituted.
  var variables: [String: String] {
    Dictionary(
      form.fields.filter { $0.name.hasPrefix("v:") && $0.filename == nil }
        .map { (String($0.name.dropFirst(2)), $0.text) },
      uniquingKeysWith: { first, _ in first })
  }

  private func category(_ custom: [String: String]) throws(CompatibleError) -> String {
    if let name = try namedCategory(custom) { return name }
    throw .badRequest(
      "The message names no category of the governor's policy "
        + "(\(CompatibleLabels.known(policy))): set v:category, "
        + "or an o:tag that is a category or one of its aliases", field: "v:category")
  }

  private func recipientVariables() throws(CompatibleError) -> [String: [String: String]] {
    guard let text = form.first("recipient-variables") else { return [:] }
    guard
      let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    else {
      throw .badRequest("recipient-variables parameter is not a valid JSON", field: nil)
    }
    var out: [String: [String: String]] = [:]
    for (address, values) in object {
      guard let values = values as? [String: Any] else { continue }
      out[address.lowercased()] = values.compactMapValues { value in
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: nil
        }
      }
    }
    return out
  }

  private func attachment(_ file: MailgunForm.Field, inline: Bool) -> MIMEAttachment {
    let name = file.filename ?? "attachment"
    return MIMEAttachment(
      base64: Data(file.value).base64EncodedString(),
      type: file.contentType.map { String($0.prefix { $0 != ";" }) } ?? "application/octet-stream",
      filename: name, inline: inline, contentId: inline ? name : nil)
  }

  /// `%recipient.name%` for each of the recipient's variables, in one pass over the text: a
  /// value is never read again for placeholders. Replacing one variable after another did,
  /// so values naming each other (`a` = `%recipient.b%%recipient.b%`, `b` = …) doubled the text
  /// per variable, a form of a few kilobytes asking for gigabytes.
  static func substitution(_ values: [String: String]) -> @Sendable (String) -> String {
    { text in
      guard text.contains("%recipient.") else { return text }
      var result = ""
      var rest = text[...]
      while let start = rest.range(of: "%recipient.") {
        result += rest[..<start.lowerBound]
        let name = rest[start.upperBound...]
        guard let end = name.firstIndex(of: "%"), let value = values[String(name[..<end])] else {
          result += rest[start]
          rest = name
          continue
        }
        result += value
        rest = name[name.index(after: end)...]
      }
      return result + rest
    }
  }

  /// `o:deliverytime` is an RFC 2822 date: `Thu, 13 Oct 2011 18:02:00 +0000`.
  static let rfc2822: DateFormatter = {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
    return formatter
  }()
}
