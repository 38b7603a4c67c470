import Yams

extension PolicyLoader {
  static let trackingRuleKeys = [
    "open_pixels", "click_redirects", "url_parameters", "third_party_resources",
    "recipient_identifiers", "max_tracked_links", "identifiers_outside_query",
  ]

  /// The tracking section, and where each of its lists is named (for problems found when
  /// the list is read).
  static func readTracking(_ node: Node?, context: SchemaContext) -> (
    TrackingPolicy, lists: [Node], families: [Node]
  ) {
    var listNodes: [Node] = []
    let reader = context.reader
    let defaults = TrackingPolicy(
      consentPurpose: nil, withoutConsent: .strict, withConsent: .permissive, lists: [])
    guard let node else { return (defaults, [], []) }
    guard
      let fields = reader.fields(
        node, of: "tracking",
        allowed: [
          "consent_purpose", "without_consent", "with_consent", "lists", "disabled_families",
          "description",
        ])
    else { return (defaults, [], []) }
    var policy = defaults
    if let purposeNode = fields["consent_purpose"],
      let purpose = reader.string(purposeNode, "tracking.consent_purpose")
    {
      let declared = context.purposes.map(\.name)
      if declared.contains(purpose) {
        policy.consentPurpose = purpose
      } else {
        reader.report(
          "tracking.consent_purpose '\(purpose)' is not declared under consent.purposes"
            + Spelling.hint(for: purpose, among: declared), at: purposeNode)
      }
    }
    if let rules = fields["without_consent"] {
      policy.withoutConsent = readTrackingRules(
        rules, "tracking.without_consent", base: .strict, reader: reader)
    }
    if let rules = fields["with_consent"] {
      policy.withConsent = readTrackingRules(
        rules, "tracking.with_consent", base: .permissive, reader: reader)
    }
    for (path, item) in fields["lists"].flatMap({ reader.strings($0, "tracking.lists") }) ?? [] {
      if path.hasPrefix("/") || path.split(separator: "/").contains("..")
        || !(path.hasSuffix(".yaml") || path.hasSuffix(".yml"))
      {
        reader.report(
          "tracking.lists entry '\(path)' must be a .yaml file under the policy's folder, "
            + "such as trackers/esp-redirectors.yaml", at: item)
      } else {
        policy.lists.append(path)
        listNodes.append(item)
      }
    }
    var familyNodes: [Node] = []
    for (family, item) in fields["disabled_families"].flatMap({
      reader.strings($0, "tracking.disabled_families")
    }) ?? [] {
      policy.disabledFamilies.append(family)
      familyNodes.append(item)
    }
    return (policy, listNodes, familyNodes)
  }

  /// The lists without the families the policy turns off, each checked to be one the lists
  /// name (a misspelt family would silently turn nothing off).
  static func disablingFamilies(
    _ tracking: TrackingPolicy, nodes: [Node], in lists: TrackerLists, reader: PolicyReader
  ) -> TrackerLists {
    let known = lists.families
    for (family, node) in zip(tracking.disabledFamilies, nodes) where !known.contains(family) {
      reader.report(
        "tracking.disabled_families '\(family)' is no family of the policy's tracker lists"
          + Spelling.hint(for: family, among: known), at: node)
    }
    return lists.disabling(Set(tracking.disabledFamilies))
  }

  private static func readTrackingRules(
    _ node: Node, _ field: String, base: TrackingPolicy.Rules, reader: PolicyReader
  ) -> TrackingPolicy.Rules {
    guard let fields = reader.fields(node, of: field, allowed: trackingRuleKeys) else {
      return base
    }
    var rules = base
    func treatment(_ key: String) -> TrackingPolicy.Treatment? {
      fields[key].flatMap { reader.oneOf($0, "\(field).\(key)", as: TrackingPolicy.Treatment.self) }
    }
    rules.openPixels = treatment("open_pixels") ?? base.openPixels
    rules.clickRedirects = treatment("click_redirects") ?? base.clickRedirects
    rules.urlParameters = treatment("url_parameters") ?? base.urlParameters
    rules.thirdPartyResources = treatment("third_party_resources") ?? base.thirdPartyResources
    rules.recipientIdentifiers =
      treatment("recipient_identifiers") ?? base.recipientIdentifiers
    rules.identifiersOutsideQuery =
      fields["identifiers_outside_query"].flatMap {
        reader.oneOf(
          $0, "\(field).identifiers_outside_query", as: TrackingPolicy.Rules.OutsideQuery.self)
      } ?? base.identifiersOutsideQuery
    rules.maxTrackedLinks = fields["max_tracked_links"].flatMap {
      reader.int($0, "\(field).max_tracked_links", atLeast: 0)
    }
    return rules
  }

  static func readHeaders(_ node: Node?, context: SchemaContext) -> HeaderPolicy {
    let reader = context.reader
    guard let node,
      let fields = reader.fields(node, of: "headers", allowed: ["list_unsubscribe", "feedback_id"])
    else { return HeaderPolicy(listUnsubscribe: nil) }
    var headers = HeaderPolicy(
      listUnsubscribe: fields["list_unsubscribe"].flatMap {
        readListUnsubscribe($0, context: context)
      })
    headers.feedbackID = fields["feedback_id"].flatMap { readFeedbackID($0, context: context) }
    return headers
  }

  static func readFeedbackID(_ node: Node, context: SchemaContext) -> HeaderPolicy.FeedbackID? {
    let reader = context.reader
    let field = "headers.feedback_id"
    guard
      let entries = reader.fields(node, of: field, allowed: ["sender_id", "fields", "categories"])
    else { return nil }
    var senderId: String?
    if let idNode = entries["sender_id"], let text = reader.string(idNode, "\(field).sender_id") {
      if (5...15).contains(text.count),
        text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
      {
        senderId = text
      } else {
        reader.report(
          "\(field).sender_id '\(text)' must be 5 to 15 letters or digits (Gmail's SenderId)",
          at: idNode)
      }
    } else if entries["sender_id"] == nil {
      reader.report(
        "\(field) needs 'sender_id': 5 to 15 letters or digits naming this sender", at: node)
    }
    var chosen: [HeaderPolicy.FeedbackID.Field] = [.campaign, .category]
    if let fieldsNode = entries["fields"], let names = reader.strings(fieldsNode, "\(field).fields")
    {
      let known = HeaderPolicy.FeedbackID.Field.allCases.map(\.rawValue)
      chosen = []
      for (name, item) in names {
        guard let value = HeaderPolicy.FeedbackID.Field(rawValue: name) else {
          reader.report(
            "\(field).fields may hold \(known.joined(separator: ", ")), not '\(name)'"
              + Spelling.hint(for: name, among: known), at: item)
          continue
        }
        chosen.append(value)
      }
      if names.isEmpty || names.count > 3 {
        reader.report(
          "\(field).fields must name 1 to 3 fields (Gmail's a:b:c before the SenderId)",
          at: fieldsNode)
      }
    }
    let categories =
      entries["categories"].flatMap { context.categoryList($0, "\(field).categories") }
      ?? context.categories.filter(\.capped).map(\.name)
    guard let senderId, !chosen.isEmpty, chosen.count <= 3 else { return nil }
    return HeaderPolicy.FeedbackID(fields: chosen, senderId: senderId, categories: categories)
  }

  static func readListUnsubscribe(_ listNode: Node, context: SchemaContext)
    -> HeaderPolicy.ListUnsubscribe?
  {
    let reader = context.reader
    let field = "headers.list_unsubscribe"
    guard
      let list = reader.fields(
        listNode, of: field, allowed: ["categories", "one_click", "url", "mailto"])
    else { return nil }
    let categories =
      list["categories"].flatMap { context.categoryList($0, "\(field).categories") }
      ?? context.categories.filter { !$0.purposes.isEmpty }.map(\.name)
    let oneClick = list["one_click"].flatMap { reader.bool($0, "\(field).one_click") } ?? true
    var url: String?
    if let urlNode = list["url"], let text = reader.string(urlNode, "\(field).url") {
      if text.hasPrefix("https://") && text.contains("{token}") {
        url = text
      } else {
        reader.report(
          "\(field).url must be an https:// URL containing {token} (RFC 8058 requires HTTPS)",
          at: urlNode)
      }
    }
    var mailto: String?
    if let mailNode = list["mailto"], let text = reader.string(mailNode, "\(field).mailto") {
      let parts = text.split(separator: "@")
      if parts.count == 2 && parts[1].contains(".") && !text.contains(" ") {
        mailto = text
      } else {
        reader.report("\(field).mailto '\(text)' is not an email address", at: mailNode)
      }
    }
    if oneClick && url == nil && list["url"] == nil {
      reader.report(
        "\(field) has one_click: true, which needs an https 'url' (RFC 8058)", at: listNode)
    }
    if !oneClick && url == nil && mailto == nil && list["url"] == nil && list["mailto"] == nil {
      reader.report("\(field) needs a 'url', a 'mailto' or both (RFC 2369)", at: listNode)
    }
    return .init(categories: categories, oneClick: oneClick, url: url, mailto: mailto)
  }
}
