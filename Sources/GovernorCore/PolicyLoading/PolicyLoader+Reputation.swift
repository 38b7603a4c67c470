import Yams

extension PolicyLoader {
  static let reputationKeys = [
    "window", "min_delivered", "scope", "categories", "max_delay", "shadow", "complaints",
    "hard_bounces", "enforce", "description",
  ]

  static func readReputation(_ node: Node, context: SchemaContext) -> ReputationPolicy? {
    let reader = context.reader
    guard let fields = reader.fields(node, of: "reputation", allowed: reputationKeys) else {
      return nil
    }
    let window = fields["window"].map { wholeDays($0, "reputation.window", reader: reader) }
    let minDelivered =
      fields["min_delivered"].map {
        reader.int(
          $0, "reputation.min_delivered", atLeast: 1,
          why: " (a rate on a handful of deliveries says nothing)")
      } ?? 1_000
    let scopes = fields["scope"].map { readScopes($0, reader: reader) } ?? [.sendingDomain]
    // Transactional mail is braked only where the policy names it: by default the categories
    // caps apply to.
    let categories =
      fields["categories"].flatMap { context.categoryList($0, "reputation.categories") }
      ?? context.categories.filter(\.capped).map(\.name)
    let maxDelay =
      fields["max_delay"].map {
        reader.span($0, "reputation.max_delay", fixed: true)?.seconds
      } ?? 86_400
    let shadow = fields["shadow"].map { reader.bool($0, "reputation.shadow") } ?? false
    readRollout(
      fields, field: "reputation",
      rules: ReputationPolicy.Measure.allCases.map(ReputationPolicy.ruleId),
      reportedBy: shadow == true ? "shadow: true" : nil, reader: reader, into: context.rollouts)
    _ = fields["description"].map { reader.string($0, "reputation.description") }
    var signals: [ReputationPolicy.Signal?] = []
    for measure in ReputationPolicy.Measure.allCases {
      guard let signalNode = fields[measure.rawValue] else { continue }
      signals.append(
        readSignal(signalNode, measure: measure, categories: categories, context: context))
    }
    if signals.isEmpty {
      reader.report(
        "reputation needs 'complaints' or 'hard_bounces' (or both): the rates it brakes on",
        at: node)
    }
    guard let window = window ?? 7, let minDelivered, let scopes, let maxDelay, let shadow,
      !signals.isEmpty, !signals.contains(where: { $0 == nil })
    else { return nil }
    return ReputationPolicy(
      windowDays: window, minDelivered: minDelivered, scopes: scopes,
      signals: signals.compactMap { $0 }, maxDelaySeconds: maxDelay, shadow: shadow)
  }

  private static func readScopes(_ node: Node, reader: PolicyReader)
    -> [ReputationPolicy.Scope]?
  {
    guard let entries = reader.strings(node, "reputation.scope") else { return nil }
    var scopes: [ReputationPolicy.Scope] = []
    let names = ReputationPolicy.Scope.allCases.map(\.rawValue)
    for (name, item) in entries {
      guard let scope = ReputationPolicy.Scope(rawValue: name) else {
        reader.report(
          "reputation.scope may hold \(names.joined(separator: " and ")), not '\(name)'"
            + Spelling.hint(for: name, among: names), at: item)
        return nil
      }
      if !scopes.contains(scope) { scopes.append(scope) }
    }
    guard !scopes.isEmpty else {
      reader.report(
        "reputation.scope must name at least one of \(names.joined(separator: ", "))", at: node)
      return nil
    }
    return scopes
  }

  private static func readSignal(
    _ node: Node, measure: ReputationPolicy.Measure, categories: [String],
    context: SchemaContext
  ) -> ReputationPolicy.Signal? {
    let reader = context.reader
    let field = "reputation.\(measure.rawValue)"
    let allowed =
      measure == .complaints
      ? ["steps", "resume", "denominator_excludes"] : ["steps", "resume"]
    guard let fields = reader.fields(node, of: field, allowed: allowed) else { return nil }
    guard let stepsNode = fields["steps"] else {
      reader.report("\(field) needs 'steps': the rates at which it throttles or pauses", at: node)
      return nil
    }
    guard let sequence = stepsNode.sequence, !sequence.isEmpty else {
      reader.report(
        "\(field).steps must be a list such as [{at: 0.3%, action: pause}]", at: stepsNode)
      return nil
    }
    var steps: [ReputationPolicy.Step] = []
    var failed = false
    for (index, item) in sequence.enumerated() {
      guard
        let step = readStep(
          item, field: "\(field).steps[\(index)]", categories: categories, context: context)
      else {
        failed = true
        continue
      }
      if let previous = steps.last, step.at <= previous.at {
        reader.report(
          "\(field).steps[\(index)].at (\(step.at)) must be above the step before it "
            + "(\(previous.at)): list the steps from the lowest rate up", at: item)
        failed = true
      } else if let previous = steps.last, step.action.strength <= previous.action.strength {
        reader.report(
          "\(field).steps[\(index)] brakes no harder than the step before it: a higher rate "
            + "needs a smaller share kept, or a pause", at: item)
        failed = true
      }
      steps.append(step)
    }
    let excludes =
      fields["denominator_excludes"].flatMap { reader.strings($0, "\(field).denominator_excludes") }
      .map { $0.map { $0.value.lowercased() } } ?? []
    let resume = readResume(
      fields["resume"], field: "\(field).resume", lowest: steps.first?.at, reader: reader)
    guard !failed, let resume, !steps.isEmpty else { return nil }
    return ReputationPolicy.Signal(
      measure: measure, steps: steps, resume: resume, baseExcludes: excludes)
  }

  private static func readStep(
    _ node: Node, field: String, categories: [String], context: SchemaContext
  ) -> ReputationPolicy.Step? {
    let reader = context.reader
    guard
      let fields = reader.fields(node, of: field, allowed: ["at", "action", "keep", "categories"])
    else { return nil }
    let at = required(fields, "at", in: field, reader: reader).flatMap {
      rate($0, "\(field).at", reader: reader)
    }
    if let at, at.perMillion == 0 {
      reader.report("\(field).at must be above 0%", at: fields["at"])
    }
    let actionName = required(fields, "action", in: field, reader: reader).flatMap {
      reader.string($0, "\(field).action")
    }
    var action: ReputationPolicy.Action?
    switch actionName {
    case "pause":
      if let keep = fields.key("keep") {
        reader.report("\(field).keep applies only to action: throttle", at: keep)
      } else {
        action = .pause
      }
    case "throttle":
      guard let keepNode = fields["keep"] else {
        reader.report(
          "\(field) throttles, so it needs 'keep': the share of customers still mailed, "
            + "e.g. 50%", at: fields.key("action"))
        break
      }
      if let keep = rate(keepNode, "\(field).keep", reader: reader) {
        if keep.perMillion == 0 || keep.perMillion == 1_000_000 {
          reader.report(
            "\(field).keep must be between 0% and 100% (0% is a pause; 100% brakes nothing)",
            at: keepNode)
        } else {
          action = .throttle(keep: keep)
        }
      }
    case nil: break
    case let other?:
      reader.report(
        "\(field).action must be throttle or pause, not '\(other)'"
          + Spelling.hint(for: other, among: ["throttle", "pause"]), at: fields["action"])
    }
    let stepCategories =
      fields["categories"].flatMap { context.categoryList($0, "\(field).categories") }
      ?? categories
    guard let at, at.perMillion > 0, let action else { return nil }
    return ReputationPolicy.Step(at: at, action: action, categories: stepCategories)
  }

  private static func readResume(
    _ node: Node?, field: String, lowest: Rate?, reader: PolicyReader
  ) -> ReputationPolicy.Resume? {
    // Gmail's own recovery: seven days in a row below the line.
    guard let node else { return lowest.map { ReputationPolicy.Resume(below: $0, days: 7) } }
    guard let fields = reader.fields(node, of: field, allowed: ["below", "for"]) else {
      return nil
    }
    let below = fields["below"].flatMap { rate($0, "\(field).below", reader: reader) } ?? lowest
    let days = fields["for"].map { wholeDays($0, "\(field).for", reader: reader) } ?? 7
    if let below, let lowest, below > lowest {
      reader.report(
        "\(field).below (\(below)) is above the lowest step (\(lowest)): a brake would be "
          + "released while its own rate still holds it", at: fields["below"])
      return nil
    }
    guard let below, let days else { return nil }
    return ReputationPolicy.Resume(below: below, days: days)
  }

  static func rate(_ node: Node, _ field: String, reader: PolicyReader) -> Rate? {
    guard let text = reader.string(node, field) else { return nil }
    guard let rate = Rate(percent: text) else {
      reader.report(
        "\(field) '\(text)' is not a percentage; write one such as 0.3% or 50% (at most four "
          + "decimals, at most 100%)", at: node)
      return nil
    }
    return rate
  }

  /// The counts are kept per day of sending: windows are whole days.
  private static func wholeDays(_ node: Node, _ field: String, reader: PolicyReader) -> Int? {
    guard let span = reader.span(node, field, fixed: true) else { return nil }
    guard span.seconds % 86_400 == 0, (1...90).contains(span.seconds / 86_400) else {
      reader.report(
        "\(field) must be whole days between 1d and 90d (rates are counted per day of "
          + "sending), not \(span)", at: node)
      return nil
    }
    return span.seconds / 86_400
  }
}
