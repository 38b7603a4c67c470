/// The lines of a policy text behind a decision's rules: a rule `caps.weekly` is the cap
/// whose `id: weekly`, `consent.marketing` the purpose `marketing:`, `quiet_hours` the
/// `quiet_hours:` section. Marked by key, not by parsing the YAML again: the text shown is the
/// exact text of the version that decided, whatever its layout.
public enum PolicyExcerpt {
  public struct Line: Sendable, Equatable {
    public var number: Int
    public var text: String
    public var marked: Bool
  }

  public static func lines(of policyText: String, rules: [String]) -> [Line] {
    let keys = Set(rules.map { $0.split(separator: ".").last.map(String.init) ?? $0 })
    return policyText.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
      number, line in
      let trimmed = line.drop { $0 == " " || $0 == "-" }
      let marked = keys.contains { key in
        trimmed.hasPrefix("\(key):") || trimmed.hasPrefix("id: \(key)")
          || trimmed.hasPrefix("{id: \(key),")
      }
      return Line(number: number + 1, text: String(line), marked: marked)
    }
  }
}
