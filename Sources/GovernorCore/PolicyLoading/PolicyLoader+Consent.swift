import Yams

extension PolicyLoader {
  static func readPurposes(
    _ node: Node?, reader: PolicyReader, rollouts: RolloutCollector
  ) -> [ConsentPolicy.Purpose] {
    guard let node else { return [] }
    return reader.namedEntries(node, of: "consent.purposes").compactMap { name, _, value in
      let field = "consent.purposes.\(name)"
      var doubleOptIn = false
      if !reader.isNull(value),
        let fields = reader.fields(
          value, of: field, allowed: ["double_opt_in", "enforce", "description"])
      {
        readRollout(
          fields, field: field, rules: ["consent.\(name)"], reader: reader,
          into: rollouts)
        doubleOptIn =
          fields["double_opt_in"].flatMap { reader.bool($0, "\(field).double_opt_in") } ?? false
        _ = fields["description"].map { reader.string($0, "\(field).description") }
      }
      return ConsentPolicy.Purpose(name: name, doubleOptIn: doubleOptIn, ruleId: "consent.\(name)")
    }
  }

  static func readConsentKinds(_ node: Node?, reader: PolicyReader) -> [(
    name: String, expiry: ConsentPolicy.Expiry
  )] {
    guard let node else { return [("express", .never)] }
    var kinds: [(name: String, expiry: ConsentPolicy.Expiry)] = []
    for (name, _, value) in reader.namedEntries(node, of: "consent.kinds") {
      let field = "consent.kinds.\(name)"
      if value.scalar?.string == "never" {
        kinds.append((name, .never))
      } else if let span = reader.span(value, field, fixed: false) {
        kinds.append((name, .after(span)))
      }
    }
    return kinds
  }

  static func readCategories(
    _ node: Node, purposes: [String], reader: PolicyReader
  ) -> [Category] {
    let entries = reader.namedEntries(node, of: "categories")
    if entries.isEmpty && node.mapping != nil {
      reader.report("categories must define at least one category", at: node)
    }
    // The engine gives each category one bit of a 64-bit scope mask.
    if entries.count > Category.maximumCount {
      reader.report(
        "a policy may define at most \(Category.maximumCount) categories, not \(entries.count)",
        at: entries[Category.maximumCount].key)
    }
    // Category names, then aliases as they are read: one label, one category.
    var taken: [String: String] = [:]
    for (name, _, _) in entries { taken[name] = "the category \(name)" }
    return entries.compactMap { name, _, value in
      let field = "categories.\(name)"
      guard
        let fields = reader.fields(
          value, of: field,
          allowed: [
            "consent", "caps", "quiet_hours", "address_mismatch", "description", "aliases",
          ])
      else { return nil }
      var required: [String] = []
      for (purpose, item) in fields["consent"].flatMap({ reader.strings($0, "\(field).consent") })
        ?? []
      {
        guard purposes.contains(purpose) else {
          reader.report(
            "\(field).consent needs the purpose '\(purpose)', which consent.purposes does not "
              + "declare" + Spelling.hint(for: purpose, among: purposes), at: item)
          continue
        }
        required.append(purpose)
      }
      _ = fields["description"].map { reader.string($0, "\(field).description") }
      var mismatch = AddressMismatch.defaultFor(needsConsent: !required.isEmpty)
      if let node = fields["address_mismatch"],
        let text = reader.string(node, "\(field).address_mismatch")
      {
        let choices = AddressMismatch.allCases.map(\.rawValue)
        if let chosen = AddressMismatch(rawValue: text) {
          mismatch = chosen
        } else {
          reader.report(
            "\(field).address_mismatch must be \(choices.joined(separator: ", ")), not '\(text)'"
              + Spelling.hint(for: text, among: choices), at: node)
        }
      }
      var category = Category(
        name: name, purposes: required,
        capped: fields["caps"].flatMap { reader.bool($0, "\(field).caps") } ?? true,
        quietHours: fields["quiet_hours"].flatMap { reader.bool($0, "\(field).quiet_hours") }
          ?? true,
        addressMismatch: mismatch)
      for (alias, item) in fields["aliases"].flatMap({ reader.strings($0, "\(field).aliases") })
        ?? []
      {
        if let owner = taken[alias] {
          reader.report(
            "\(field).aliases names '\(alias)', which is already \(owner): a door's label must "
              + "name one category", at: item)
          continue
        }
        taken[alias] = "an alias of \(name)"
        category.aliases.append(alias)
      }
      return category
    }
  }

  static func readSuppression(_ node: Node?, context: SchemaContext) -> SuppressionPolicy {
    let reader = context.reader
    var blocked: [SuppressionReason: Set<String>] = [:]
    for reason in SuppressionReason.allCases {
      blocked[reason] = SuppressionPolicy.defaultBlocked(reason, categories: context.categories)
    }
    guard let node else { return SuppressionPolicy(blocked: blocked) }
    let reasons = SuppressionReason.allCases.map(\.rawValue)
    guard let fields = reader.fields(node, of: "suppression", allowed: reasons) else {
      return SuppressionPolicy(blocked: blocked)
    }
    for reason in SuppressionReason.allCases {
      guard let value = fields[reason.rawValue] else { continue }
      let field = "suppression.\(reason.rawValue)"
      guard let rule = reader.fields(value, of: field, allowed: ["blocks", "except", "enforce"])
      else {
        continue
      }
      readRollout(
        rule, field: field, rules: ["suppression.\(reason.rawValue)"], reader: reader,
        into: context.rollouts)
      guard let blocks = rule["blocks"] else {
        reader.report("\(field) needs 'blocks': all, or a list of categories", at: value)
        continue
      }
      let included = context.categoryList(blocks, "\(field).blocks") ?? []
      let excluded = rule["except"].flatMap { context.categoryList($0, "\(field).except") } ?? []
      blocked[reason] = Set(included).subtracting(excluded)
    }
    return SuppressionPolicy(blocked: blocked)
  }
}
