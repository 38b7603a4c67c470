extension RecordValidator {
  /// Headers the governor writes itself; a message may not set them through `headers`.
  static let reservedHeaders: Set<String> = [
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
    "content-transfer-encoding", "x-governor-message-id",
  ]

  /// Checks a message a campaign tool asks us to send: its category exists, its addresses are
  /// addresses, and nothing that becomes a header line can smuggle in another (CR/LF).
  public func message(_ message: Message) throws(InvalidRecord) -> Message {
    var problems: [FieldProblem] = []
    func noLineBreaks(_ value: String, _ field: String) {
      // Scalars, not Characters: "\r\n" is one Character and equals neither "\r" nor "\n".
      if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
        problems.append(
          FieldProblem(
            field: field, problem: "contains a line break, which would inject mail headers"))
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
      if !Self.looksLikeAddress(Self.bareAddress(value)) {
        problems.append(FieldProblem(field: field, problem: "'\(value)' is not an email address"))
      }
    }
    noLineBreaks(message.subject, "subject")
    for (name, value) in message.headers.sorted(by: { $0.key < $1.key }) {
      let field = "headers.\(name)"
      if name.isEmpty
        || !name.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 && $0 != ":" })
      {
        problems.append(FieldProblem(field: field, problem: "is not a valid header name"))
      } else if Self.reservedHeaders.contains(name.lowercased()) {
        problems.append(
          FieldProblem(field: field, problem: "is set by the governor from the message's fields"))
      }
      noLineBreaks(value, field)
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
    if message.html == nil && message.text == nil {
      problems.append(FieldProblem(field: "text", problem: "give text, html or both"))
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    return message
  }

  /// `local@domain` out of `Name <local@domain>`.
  static func bareAddress(_ text: String) -> String {
    guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close
    else { return text.trimmed }
    return String(text[text.index(after: open)..<close])
  }
}
