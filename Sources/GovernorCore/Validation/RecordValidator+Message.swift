import Foundation

extension RecordValidator {
  /// Headers the governor writes itself; a message may not set them through `headers`.
  static let reservedHeaders: Set<String> = [
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
    "content-transfer-encoding", "x-governor-message-id",
  ]

  /// Headers that route a message to more people than its one recipient (`Resent-*` make
  /// `sendmail -t` and some relays deliver to those addresses too) or that only the receiving
  /// side may write. A message may not carry them.
  static let routingHeaders: Set<String> = [
    "resent-to", "resent-cc", "resent-bcc", "resent-from", "resent-sender", "apparently-to",
    "envelope-to", "x-envelope-to", "delivered-to", "return-path", "x-original-to",
  ]

  /// Headers whose value is an address the mail client shows or answers to: each must be one
  /// mailbox, like `to`, so that a reply or a receipt reaches one known place.
  static let addressHeaders: Set<String> = [
    "reply-to", "sender", "disposition-notification-to", "return-receipt-to", "errors-to",
  ]

  /// Checks a message a campaign tool asks us to send: its category exists, `to` and `from`
  /// are each exactly one mailbox, no header routes it to anyone else, and nothing that
  /// becomes a header line can smuggle in another.
  public func message(_ given: Message) throws(InvalidRecord) -> Message {
    var message = given
    var problems: [FieldProblem] = []
    // A whole message's bodies are what the rules check, whatever else a door filled in.
    if let mime = message.mime {
      do throws(MIMEError) {
        let bodies = try mime.document.bodies()
        message.html = try bodies.html.map { part throws(MIMEError) in
          try mime.document.text(of: part)
        }
        message.text = try bodies.text.map { part throws(MIMEError) in
          try mime.document.text(of: part)
        }
      } catch {
        problems.append(FieldProblem(field: "mime", problem: error.description))
      }
    }
    func noLineBreaks(_ value: String, _ field: String) {
      if Self.holdsLineBreak(value) {
        problems.append(
          FieldProblem(
            field: field, problem: "contains a line break, which would inject mail headers"))
      }
    }
    func foldable(_ value: String, _ field: String, header: String) {
      let room = Self.longestHeaderLine - header.utf8.count - 2
      if let run = Self.longestUnbrokenRun(value), run > room {
        problems.append(
          FieldProblem(
            field: field,
            problem: "holds \(run) bytes with no space between them; a mail header line may "
              + "not pass 998 bytes (RFC 5322 §2.1.1), so it could not be folded"))
      }
    }
    func oneMailbox(_ value: String, _ field: String) {
      do {
        _ = try Mailbox(parsing: value)
      } catch {
        problems.append(FieldProblem(field: field, problem: "'\(value)' \(error)"))
      }
    }
    for (value, field) in [(message.id, "id"), (message.customerId, "customer_id")] {
      if value.trimmed.isEmpty {
        problems.append(FieldProblem(field: field, problem: "must not be empty"))
      } else if value.count > 200 {
        problems.append(FieldProblem(field: field, problem: "is longer than 200 characters"))
      }
      noLineBreaks(value, field)
    }
    for (value, field) in [(message.to, "to"), (message.from, "from")] {
      noLineBreaks(value, field)
      oneMailbox(value, field)
    }
    noLineBreaks(message.subject, "subject")
    // A non-ASCII subject is written as encoded-words, which fold anywhere.
    if message.subject.utf8.allSatisfy({ $0 < 0x80 }) {
      foldable(message.subject, "subject", header: "Subject")
    }
    for (name, value) in message.headers.sorted(by: { $0.key < $1.key }) {
      let field = "headers.\(name)"
      if name.isEmpty
        || !name.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 && $0 != ":" })
      {
        problems.append(FieldProblem(field: field, problem: "is not a valid header name"))
      } else if Self.reservedHeaders.contains(name.lowercased()) {
        problems.append(
          FieldProblem(field: field, problem: "is set by the governor from the message's fields"))
      } else if Self.routingHeaders.contains(name.lowercased()) {
        problems.append(
          FieldProblem(
            field: field,
            problem: "would route the message beyond its one recipient ('to'), or is written "
              + "by the receiving side"))
      } else if Self.addressHeaders.contains(name.lowercased()) {
        oneMailbox(value, field)
      }
      noLineBreaks(value, field)
      foldable(value, field, header: name)
    }
    let categories = policy.categories.map(\.name)
    if !categories.contains(message.category) {
      problems.append(
        FieldProblem(
          field: "category",
          problem: "'\(message.category)' is not a category of policy '\(policy.name)' "
            + "(\(categories.joined(separator: ", ")))"
            + Spelling.hint(for: message.category, among: categories)))
    }
    if let template = message.template {
      problems += Self.problems(in: template)
      if message.html != nil || message.text != nil || message.mime != nil {
        problems.append(
          FieldProblem(
            field: "template",
            problem: "the sender renders the body from the template: give no text, html or mime "
              + "beside it"))
      }
    } else if message.html == nil && message.text == nil {
      problems.append(FieldProblem(field: "text", problem: "give text, html or both"))
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    return message
  }

  /// RFC 5322 §2.1.1's limit on a line, CRLF excluded.
  static let longestHeaderLine = 998

  /// The longest run of bytes with no space or tab; nil for short text, which always fits.
  static func longestUnbrokenRun(_ value: String) -> Int? {
    guard value.utf8.count > 900 else { return nil }
    var longest = 0
    var current = 0
    for byte in value.utf8 {
      if byte == 0x20 || byte == 0x09 {
        current = 0
      } else {
        current += 1
        longest = max(longest, current)
      }
    }
    return longest
  }

  /// CR, LF and NUL end a header line to some mail software; NEL (U+0085) and the Unicode
  /// line and paragraph separators (U+2028, U+2029) do to others, and to anything that
  /// splits text on Unicode's line boundaries. Scalars, not Characters: "\r\n" is one
  /// Character and equals neither "\r" nor "\n".
  static func holdsLineBreak(_ value: String) -> Bool {
    // ASCII text (nearly every value) needs only the byte test.
    var ascii = true
    for byte in value.utf8 {
      if byte == 0x0D || byte == 0x0A || byte == 0 { return true }
      if byte >= 0x80 { ascii = false }
    }
    guard !ascii else { return false }
    return value.unicodeScalars.contains { $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}" }
  }
}

extension RecordValidator {
  /// A template's id is a name at the provider; its data must be one JSON object, as both
  /// SendGrid's `dynamic_template_data` and SES's `TemplateData` are.
  static func problems(in template: SenderTemplate) -> [FieldProblem] {
    var problems: [FieldProblem] = []
    if template.id.trimmed.isEmpty || template.id.count > 512 {
      problems.append(FieldProblem(field: "template.id", problem: "must be 1 to 512 characters"))
    } else if holdsLineBreak(template.id) {
      problems.append(FieldProblem(field: "template.id", problem: "contains a line break"))
    }
    if let data = template.data {
      let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
      if object == nil {
        problems.append(FieldProblem(field: "template.data", problem: "must be one JSON object"))
      } else if data.utf8.count > 262_144 {
        problems.append(
          FieldProblem(field: "template.data", problem: "is larger than 256 KiB"))
      }
    }
    return problems
  }
}
