import Yams

extension PolicyLoader {
  static let capKeys = [
    "id", "max", "within", "per", "min_gap", "categories", "action", "max_delay", "shadow",
    "reserve", "enforce", "description",
  ]

  static let maximumCaps = 64

  static func readCaps(_ node: Node, context: SchemaContext) -> [Cap] {
    let reader = context.reader
    guard let sequence = node.sequence else {
      reader.report("caps must be a list of caps (each starting with '- id:')", at: node)
      return []
    }
    // A category's plan gives each of its caps one bit of a 64-bit mask (for rollouts).
    if sequence.count > Self.maximumCaps {
      reader.report(
        "a policy may have at most \(Self.maximumCaps) caps, not \(sequence.count)",
        at: Array(sequence)[Self.maximumCaps])
    }
    var seen: Set<String> = []
    var caps: [Cap] = []
    for (index, item) in sequence.enumerated() {
      guard let fields = reader.fields(item, of: "caps[\(index)]", allowed: capKeys) else {
        continue
      }
      guard let idNode = fields["id"], let id = reader.string(idNode, "caps[\(index)].id") else {
        if fields["id"] == nil { reader.report("caps[\(index)] needs an 'id'", at: item) }
        continue
      }
      guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) })
      else {
        reader.report("cap id '\(id)' may use only letters, digits, '-' and '_'", at: idNode)
        continue
      }
      guard seen.insert(id).inserted else {
        reader.report("cap id '\(id)' is used twice; each cap needs its own id", at: idNode)
        continue
      }
      if let cap = readCap(id: id, fields, context: context) { caps.append(cap) }
    }
    return caps
  }

  private static func readCap(id: String, _ fields: Fields, context: SchemaContext) -> Cap? {
    let reader = context.reader
    let field = "caps.\(id)"
    let shapes = ["within", "per", "min_gap"].filter { fields[$0] != nil }
    guard shapes.count == 1 else {
      reader.report(
        shapes.isEmpty
          ? "\(field) needs one of 'within' (rolling window), 'per' (calendar day, week or "
            + "month) or 'min_gap'"
          : "\(field) has \(shapes.joined(separator: " and ")); a cap is one of them: "
            + "write one cap per limit", at: fields.node)
      return nil
    }
    let limit: Cap.Limit?
    switch shapes[0] {
    case "min_gap":
      if let max = fields.key("max") {
        reader.report("\(field): 'max' does not apply to a min_gap cap", at: max)
      }
      if let reserve = fields.key("reserve") {
        reader.report(
          "\(field): 'reserve' keeps slots of a cap with 'max'; a min_gap cap has none",
          at: reserve)
      }
      limit = fields["min_gap"].flatMap { reader.span($0, "\(field).min_gap", fixed: true) }
        .map { .minimumGap(seconds: $0.seconds) }
    default:
      let max = requiredCapMax(fields, field: field, reader: reader)
      let window = readWindow(fields, field: field, reader: reader)
      limit = max.flatMap { max in window.map { .count(max: max, window: $0) } }
    }
    let categories =
      fields["categories"].flatMap { context.categoryList($0, "\(field).categories") }
      ?? context.categories.filter(\.capped).map(\.name)
    let action = readHoldAction(fields, field: field, reader: reader)
    let shadow = fields["shadow"].flatMap { reader.bool($0, "\(field).shadow") } ?? false
    readRollout(
      fields, field: field, rules: ["caps.\(id)"], reportedBy: shadow ? "shadow: true" : nil,
      reader: reader,
      into: context.rollouts)
    _ = fields["description"].map { reader.string($0, "\(field).description") }
    var reserve: CapReserve?
    if let node = fields["reserve"], case .count(let max, _)? = limit {
      reserve = readReserve(node, field: field, max: max, categories: categories, context: context)
      if reserve == nil { return nil }
    }
    guard let limit, let action else { return nil }
    return Cap(
      id: id, ruleId: "caps.\(id)", limit: limit, categories: categories, action: action,
      shadow: shadow, reserve: reserve)
  }

  /// `reserve: {slots: 1, for: [order_followup]}`: fewer slots than the cap has, for some
  /// (not all) of the categories it counts.
  private static func readReserve(
    _ node: Node, field: String, max: Int, categories: [String], context: SchemaContext
  ) -> CapReserve? {
    let reader = context.reader
    let what = "\(field).reserve"
    guard let fields = reader.fields(node, of: what, allowed: ["slots", "for"]) else { return nil }
    let slots = required(fields, "slots", in: what, reader: reader).flatMap { node -> Int? in
      guard let slots = reader.int(node, "\(what).slots", atLeast: 1) else { return nil }
      guard slots < max else {
        reader.report(
          "\(what).slots is \(slots) of a cap of \(max): the other categories would have no "
            + "slot left; reserve fewer than \(max)", at: node)
        return nil
      }
      return slots
    }
    let kept = required(fields, "for", in: what, reader: reader).flatMap { node -> [String]? in
      guard let names = context.categoryList(node, "\(what).for") else { return nil }
      if let outside = names.first(where: { !categories.contains($0) }) {
        reader.report(
          "\(what).for names '\(outside)', which this cap does not count (it counts "
            + "\(categories.joined(separator: ", "))): slots can be kept only for its own "
            + "categories", at: node)
        return nil
      }
      guard !names.isEmpty, categories.contains(where: { !names.contains($0) }) else {
        reader.report(
          names.isEmpty
            ? "\(what).for must name at least one category"
            : "\(what).for names every category the cap counts: there is nothing to keep the "
              + "slots from", at: node)
        return nil
      }
      return names
    }
    guard let slots, let kept else { return nil }
    return CapReserve(slots: slots, categories: kept)
  }

  private static func requiredCapMax(_ fields: Fields, field: String, reader: PolicyReader)
    -> Int?
  {
    guard let node = fields["max"] else {
      reader.report("\(field) needs 'max', the number of sends allowed", at: fields.node)
      return nil
    }
    return reader.int(
      node, "\(field).max", atLeast: 1,
      why: " (a cap of 0 sends nothing: remove the category's consent or suppress instead)")
  }

  private static func readWindow(_ fields: Fields, field: String, reader: PolicyReader)
    -> CapWindow?
  {
    if let within = fields["within"] {
      return reader.span(within, "\(field).within", fixed: true).map {
        .rolling(seconds: $0.seconds)
      }
    }
    return fields["per"].flatMap { reader.oneOf($0, "\(field).per", as: CalendarUnit.self) }
      .map { .calendar($0) }
  }

  /// `action: block` (the default) or `action: defer` with the `max_delay` after which a
  /// held message is blocked after all.
  static func readHoldAction(_ fields: Fields, field: String, reader: PolicyReader)
    -> HoldAction?
  {
    let action = fields["action"].map { reader.string($0, "\(field).action") } ?? "block"
    switch action {
    case "block":
      if let delay = fields.key("max_delay") {
        reader.report("\(field).max_delay applies only with action: defer", at: delay)
      }
      return .block
    case "defer":
      guard let delay = fields["max_delay"] else {
        reader.report(
          "\(field) defers, so it needs 'max_delay': how long a message may wait before it is "
            + "blocked instead", at: fields.key("action"))
        return nil
      }
      return reader.span(delay, "\(field).max_delay", fixed: true).map {
        .deferUpTo(maxDelaySeconds: $0.seconds)
      }
    case nil:
      return nil
    case let other?:
      reader.report(
        "\(field).action must be block or defer, not '\(other)'"
          + Spelling.hint(for: other, among: ["block", "defer"]), at: fields["action"])
      return nil
    }
  }

  static func readFrequencyPreference(_ node: Node, context: SchemaContext)
    -> FrequencyPreferenceRule?
  {
    let reader = context.reader
    let capped = context.categories.filter(\.capped).map(\.name)
    if node.scalar != nil {
      guard let enabled = reader.bool(node, "frequency_preference") else { return nil }
      return enabled ? FrequencyPreferenceRule(categories: capped) : nil
    }
    guard
      let fields = reader.fields(
        node, of: "frequency_preference", allowed: ["categories", "enforce", "description"])
    else { return nil }
    readRollout(
      fields, field: "frequency_preference", rules: [CategoryPlan.preferenceRuleId], reader: reader,
      into: context.rollouts)
    let categories = fields["categories"].flatMap {
      context.categoryList($0, "frequency_preference.categories")
    }
    return FrequencyPreferenceRule(categories: categories ?? capped)
  }

  static func readQuietHours(_ node: Node, context: SchemaContext) -> QuietHours? {
    let reader = context.reader
    guard
      let fields = reader.fields(
        node, of: "quiet_hours",
        allowed: ["start", "end", "action", "max_delay", "categories", "enforce", "description"])
    else { return nil }
    readRollout(
      fields, field: "quiet_hours", rules: [QuietHours.ruleId], reader: reader,
      into: context.rollouts)
    let start = required(fields, "start", in: "quiet_hours", reader: reader).flatMap {
      reader.timeOfDay($0, "quiet_hours.start")
    }
    let end = required(fields, "end", in: "quiet_hours", reader: reader).flatMap {
      reader.timeOfDay($0, "quiet_hours.end")
    }
    if let start, let end, start.minutes % 1440 == end.minutes % 1440 {
      reader.report(
        "quiet_hours start and end are both \(start): the quiet hours would be empty",
        at: fields["end"])
    }
    let categories =
      fields["categories"].flatMap { context.categoryList($0, "quiet_hours.categories") }
      ?? context.categories.filter(\.quietHours).map(\.name)
    let action = readHoldAction(fields, field: "quiet_hours", reader: reader)
    guard let start, let end, let action, start.minutes % 1440 != end.minutes % 1440 else {
      return nil
    }
    return QuietHours(start: start, end: end, action: action, categories: categories)
  }

  static func required(_ fields: Fields, _ key: String, in what: String, reader: PolicyReader)
    -> Node?
  {
    guard let node = fields[key] else {
      reader.report("\(what) needs '\(key)'", at: fields.node)
      return nil
    }
    return node
  }
}
