import Foundation

/// One recipient's line of a dry-run, as JSON (one object per line) or CSV: the outcome, when
/// a held message could go, the rules and reasons, and the changes a forwarded one would get.
///
/// Written out by hand: a dry-run prints a million of these, and `JSONEncoder` per row would
/// take longer than deciding them.
public enum DryRunRow {
  public static let csvHeader =
    "customer_id,message_id,outcome,not_before,rules,reasons,messages,modifications"

  public static func json(_ recipient: Recipient, _ decision: Decision) -> String {
    var line = #"{"customer_id":"# + quoted(recipient.customerId)
    line += #","message_id":"# + quoted(decision.messageId)
    line += #","outcome":"# + quoted(decision.outcome.rawValue)
    line += #","not_before":"# + (decision.notBefore.map { quoted(timestamp($0)) } ?? "null")
    line += #","reasons":["#
    for (index, reason) in decision.reasons.enumerated() {
      if index > 0 { line += "," }
      line += #"{"rule":"# + quoted(reason.rule) + #","code":"# + quoted(reason.code)
      line += #","effect":"# + quoted(reason.effect.rawValue)
      line += #","message":"# + quoted(reason.message) + "}"
    }
    line += #"],"modifications":{"#
    for (index, (kind, count)) in counts(decision.modifications).enumerated() {
      if index > 0 { line += "," }
      line += quoted(kind) + ":" + String(count)
    }
    return line + "}}"
  }

  public static func csv(_ recipient: Recipient, _ decision: Decision) -> String {
    [
      recipient.customerId, decision.messageId, decision.outcome.rawValue,
      decision.notBefore.map(timestamp) ?? "",
      decision.reasons.map(\.rule).joined(separator: ";"),
      decision.reasons.map(\.code).joined(separator: ";"),
      decision.reasons.map(\.message).joined(separator: "; "),
      counts(decision.modifications).map { "\($0.kind)=\($0.count)" }.joined(separator: ";"),
    ].map(csvField).joined(separator: ",")
  }

  /// Changes by kind, in the order first made.
  static func counts(_ modifications: [Modification]) -> [(kind: String, count: Int)] {
    var counts: [(kind: String, count: Int)] = []
    for change in modifications {
      if let index = counts.firstIndex(where: { $0.kind == change.kind }) {
        counts[index].count += 1
      } else {
        counts.append((change.kind, 1))
      }
    }
    return counts
  }

  static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

  /// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. A
  /// leading `=`, `+`, `-` or `@` gets a `'` so a spreadsheet shows it instead of running it.
  public static func csvField(_ text: String) -> String {
    var text = text
    if let first = text.first, "=+-@".contains(first) { text = "'" + text }
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return text
    }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  static func quoted(_ text: String) -> String { JSONLiteral.string(text) }
}
