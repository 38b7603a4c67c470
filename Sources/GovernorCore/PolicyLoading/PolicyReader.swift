import Foundation
import Yams

/// Reads typed values out of a composed YAML tree, recording a located diagnostic for every
/// problem instead of stopping at the first, so one `policy check` shows them all.
final class PolicyReader {
  let file: String
  private(set) var diagnostics: [Diagnostic] = []

  init(file: String) {
    self.file = file
  }

  func report(_ message: String, at node: Node?) {
    let mark = node?.mark
    report(message, line: mark?.line ?? 1, column: mark?.column ?? 1)
  }

  /// Problems found in another file this one names (a tracker list).
  func include(_ others: [Diagnostic]) {
    diagnostics += others
  }

  func report(_ message: String, line: Int, column: Int) {
    diagnostics.append(Diagnostic(file: file, line: line, column: column, message: message))
  }

  /// The entries of a mapping by key, after reporting keys outside `allowed` (with a spelling
  /// suggestion) and keys given twice.
  func fields(_ node: Node, of what: String, allowed: [String]) -> Fields? {
    guard let mapping = node.mapping else {
      report("\(what) must be a mapping of keys to values, not \(describe(node))", at: node)
      return nil
    }
    var entries: [String: (key: Node, value: Node)] = [:]
    for (key, value) in mapping {
      guard let name = key.scalar?.string else {
        report("keys in \(what) must be plain names", at: key)
        continue
      }
      if entries[name] != nil {
        report("'\(name)' is given twice in \(what)", at: key)
        continue
      }
      guard allowed.contains(name) else {
        report(
          "unknown key '\(name)' in \(what)" + Spelling.hint(for: name, among: allowed), at: key)
        continue
      }
      entries[name] = (key, value)
    }
    return Fields(node: node, entries: entries)
  }

  /// Entries of a mapping whose keys are names the policy author chooses (category names…).
  func namedEntries(_ node: Node, of what: String) -> [(name: String, key: Node, value: Node)] {
    guard let mapping = node.mapping else {
      report("\(what) must be a mapping, not \(describe(node))", at: node)
      return []
    }
    var seen: Set<String> = []
    var result: [(String, Node, Node)] = []
    for (key, value) in mapping {
      guard let name = key.scalar?.string, !name.isEmpty else {
        report("names in \(what) must be plain text", at: key)
        continue
      }
      guard seen.insert(name).inserted else {
        report("'\(name)' is given twice in \(what)", at: key)
        continue
      }
      result.append((name, key, value))
    }
    return result
  }

  func string(_ node: Node, _ field: String) -> String? {
    guard let scalar = node.scalar, !isNull(node) else {
      report("\(field) must be text, not \(describe(node))", at: node)
      return nil
    }
    return scalar.string
  }

  func bool(_ node: Node, _ field: String) -> Bool? {
    guard node.scalar != nil, let value = node.bool else {
      report("\(field) must be true or false, not \(describe(node))", at: node)
      return nil
    }
    return value
  }

  func int(_ node: Node, _ field: String, atLeast minimum: Int, why: String = "") -> Int? {
    guard node.scalar != nil, let value = node.int else {
      report("\(field) must be a whole number, not \(describe(node))", at: node)
      return nil
    }
    guard value >= minimum else {
      report("\(field) must be at least \(minimum), not \(value)\(why)", at: node)
      return nil
    }
    return value
  }

  func strings(_ node: Node, _ field: String) -> [(value: String, node: Node)]? {
    if isNull(node) { return [] }
    guard let sequence = node.sequence else {
      report("\(field) must be a list such as [a, b], not \(describe(node))", at: node)
      return nil
    }
    var result: [(String, Node)] = []
    for item in sequence {
      if let text = string(item, "each entry of \(field)") { result.append((text, item)) }
    }
    return result
  }

  func span(_ node: Node, _ field: String, fixed: Bool) -> TimeSpan? {
    guard let text = string(node, field) else { return nil }
    guard let span = TimeSpan(parsing: text) else {
      report(
        "\(field) '\(text)' is not a duration; write a number and a unit: "
          + "45s, 30m, 16h, 7d, 2w\(fixed ? "" : ", 6mo, 2y")", at: node)
      return nil
    }
    if fixed && !span.isFixed {
      report(
        "\(field) '\(text)' uses months or years, which have no fixed length; "
          + "use days or weeks (for a calendar month, use per: month)", at: node)
      return nil
    }
    if span.isZero {
      report("\(field) must be longer than zero", at: node)
      return nil
    }
    return span
  }

  func timeOfDay(_ node: Node, _ field: String) -> TimeOfDay? {
    guard let text = string(node, field) else { return nil }
    guard let time = TimeOfDay(parsing: text) else {
      report("\(field) '\(text)' is not a time of day; write HH:MM, e.g. \"21:00\"", at: node)
      return nil
    }
    return time
  }

  func zone(_ node: Node, _ field: String) -> Zone? {
    guard let text = string(node, field) else { return nil }
    guard let zone = Zone(identifier: text) else {
      let hint = Spelling.hint(for: text, among: PolicyReader.knownZones)
      report("\(field) '\(text)' is not an IANA time zone such as Europe/Madrid\(hint)", at: node)
      return nil
    }
    return zone
  }

  func oneOf<T: RawRepresentable & CaseIterable>(
    _ node: Node, _ field: String, as type: T.Type
  ) -> T? where T.RawValue == String {
    guard let text = string(node, field) else { return nil }
    guard let value = T(rawValue: text) else {
      let names = T.allCases.map(\.rawValue)
      report(
        "\(field) must be one of \(names.joined(separator: ", ")), not '\(text)'"
          + Spelling.hint(for: text, among: names), at: node)
      return nil
    }
    return value
  }

  func isNull(_ node: Node) -> Bool {
    guard let scalar = node.scalar else { return false }
    return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
  }

  func describe(_ node: Node) -> String {
    switch node {
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    case .scalar(let scalar):
      return isNull(node) ? "nothing" : "'\(scalar.string)'"
    }
  }

  private static let knownZones = TimeZone.knownTimeZoneIdentifiers
}

/// The entries of one mapping, after unknown and repeated keys were reported.
struct Fields {
  let node: Node
  let entries: [String: (key: Node, value: Node)]

  subscript(key: String) -> Node? { entries[key]?.value }
  func key(_ key: String) -> Node? { entries[key]?.key }
}
