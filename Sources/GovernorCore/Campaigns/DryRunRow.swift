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
    var line = #"{"customer_id":"# + JSONLiteral.string(recipient.customerId)
    line += #","message_id":"# + JSONLiteral.string(decision.messageId)
    line += #","outcome":"# + JSONLiteral.string(decision.outcome.rawValue)
    line +=
      #","not_before":"# + (decision.notBefore.map { JSONLiteral.string(timestamp($0)) } ?? "null")
    line += #","reasons":["#
    for (index, reason) in decision.reasons.enumerated() {
      if index > 0 { line += "," }
      line +=
        #"{"rule":"# + JSONLiteral.string(reason.rule) + #","code":"#
        + JSONLiteral.string(reason.code)
      line += #","effect":"# + JSONLiteral.string(reason.effect.rawValue)
      line += #","message":"# + JSONLiteral.string(reason.message) + "}"
    }
    line += #"],"modifications":{"#
    for (index, (kind, count)) in counts(decision.modifications).enumerated() {
      if index > 0 { line += "," }
      line += JSONLiteral.string(kind) + ":" + String(count)
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
    // Over the UTF-8 bytes: a row per recipient of a million-recipient run passes here, and
    // Foundation's `replacingOccurrences` went through NSString.
    let utf8 = text.utf8
    let defused = utf8.first.map { "=+-@".utf8.contains($0) } ?? false
    let needsQuotes = utf8.contains {
      $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D
    }
    guard defused || needsQuotes else { return text }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(utf8.count + 4)
    if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
    if defused { bytes.append(UInt8(ascii: "'")) }
    for byte in utf8 {
      bytes.append(byte)
      if needsQuotes && byte == UInt8(ascii: "\"") { bytes.append(byte) }
    }
    if needsQuotes { bytes.append(UInt8(ascii: "\"")) }
    return String(decoding: bytes, as: UTF8.self)
  }

}
