import Yams

extension PolicyLoader {
  /// `sender: {name, postal_address, contact: [...], ad_label}`.
  static func readSender(_ node: Node?, reader: PolicyReader) -> SenderIdentity {
    guard let node,
      let fields = reader.fields(
        node, of: "sender",
        allowed: ["name", "postal_address", "contact", "ad_label", "description"])
    else { return SenderIdentity() }
    var sender = SenderIdentity()
    sender.name = fields["name"].flatMap { reader.string($0, "sender.name") }
    sender.postalAddress = fields["postal_address"].flatMap {
      reader.string($0, "sender.postal_address")
    }
    if let contact = fields["contact"] {
      sender.contacts = (reader.strings(contact, "sender.contact") ?? []).map(\.value)
    }
    if let label = fields["ad_label"].flatMap({ reader.string($0, "sender.ad_label") }) {
      sender.adLabel = label
    }
    _ = fields["description"].map { reader.string($0, "sender.description") }
    for (key, text) in [
      ("name", sender.name), ("postal_address", sender.postalAddress),
      ("ad_label", Optional(sender.adLabel)),
    ] {
      if let text, !text.contains(where: { $0.isLetter || $0.isNumber }) {
        reader.report("sender.\(key) has no letters or digits to look for", at: fields[key])
      }
    }
    return sender
  }

  static let contentRuleKeys = [
    "categories", "action", "time_zones", "affirmative_consent", "enforce", "description",
  ]

  /// `content: {can_spam: {...}, casl: {...}, gmail_yahoo: {...}}`: which laws apply to which
  /// mail, checked against what each needs the sender to have declared.
  static func readContent(_ node: Node?, sender: SenderIdentity, context: SchemaContext)
    -> [ContentRule]
  {
    guard let node else { return [] }
    let reader = context.reader
    var rules: [ContentRule] = []
    for (name, key, value) in reader.namedEntries(node, of: "content") {
      guard let law = ContentLaw(rawValue: name) else {
        let known = ContentLaw.allCases.map(\.rawValue)
        reader.report(
          "content.\(name) is not a law the governor checks (it knows "
            + "\(known.joined(separator: ", ")))" + Spelling.hint(for: name, among: known),
          at: key)
        continue
      }
      let field = "content.\(name)"
      guard let fields = reader.fields(value, of: field, allowed: contentRuleKeys) else {
        continue
      }
      if let rule = readContentRule(law, fields, field: field, sender: sender, context: context) {
        rules.append(rule)
      }
    }
    return rules
  }

  private static func readContentRule(
    _ law: ContentLaw, _ fields: Fields, field: String, sender: SenderIdentity,
    context: SchemaContext
  ) -> ContentRule? {
    let reader = context.reader
    let categories =
      fields["categories"].flatMap { context.categoryList($0, "\(field).categories") }
      ?? context.categories.filter(\.capped).map(\.name)
    let action = fields["action"].flatMap { reader.string($0, "\(field).action") } ?? "block"
    guard action == "block" || action == "report" else {
      reader.report(
        "\(field).action must be block or report, not '\(action)'"
          + Spelling.hint(for: action, among: ["block", "report"]), at: fields["action"])
      return nil
    }
    var zones: [String]?
    if let node = fields["time_zones"] {
      zones = (reader.strings(node, "\(field).time_zones") ?? []).compactMap { zone, item in
        reader.zone(item, "\(field).time_zones").map { _ in zone }
      }
    }
    var consent: String?
    if let node = fields["affirmative_consent"] {
      guard law == .canSpam else {
        reader.report(
          "\(field).affirmative_consent applies only to can_spam (its advertisement label)",
          at: node)
        return nil
      }
      consent = reader.string(node, "\(field).affirmative_consent")
      if let name = consent, !context.purposes.contains(where: { $0.name == name }) {
        reader.report(
          "\(field).affirmative_consent names '\(name)', which is not a consent purpose of the "
            + "policy" + Spelling.hint(for: name, among: context.purposes.map(\.name)), at: node)
        return nil
      }
    }
    _ = fields["description"].map { reader.string($0, "\(field).description") }
    var complete = true
    for requirement in law.requirements {
      let declared: Bool
      switch requirement {
      case .senderName: declared = sender.name != nil
      case .postalAddress: declared = sender.postalAddress != nil
      case .contact: declared = !sender.contacts.isEmpty
      case .unsubscribeLink, .adLabel: declared = true
      }
      guard !declared else { continue }
      complete = false
      let key = requirement == .contact ? "contact" : requirement.rawValue
      reader.report(
        "\(field) needs sender.\(key): \(law.requires) \(requirement.phrase) in each message "
          + "(\(law.source(of: requirement)))", at: fields.node)
    }
    let rule = ContentRule(
      law: law, categories: categories, timeZones: zones, reportOnly: action == "report",
      affirmativeConsent: consent)
    readRollout(
      fields, field: field, rules: [rule.ruleId],
      reportedBy: action == "report" ? "action: report" : nil, reader: reader,
      into: context.rollouts)
    return complete ? rule : nil
  }
}
