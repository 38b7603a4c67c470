import Foundation
import GovernorCore

/// A message as RFC 5322 / MIME text, what the outbox writes and SES receives raw.
///
/// Written by hand: none of the project's libraries builds MIME. Bodies are base64 in
/// 76-character lines (RFC 2045 §6.8), so any UTF-8 content is safe for 7-bit transport;
/// non-ASCII subjects are RFC 2047 encoded-words.
public enum MIMEMessage {
  public static func render(_ message: Message, date: Date, boundary: String? = nil) -> String {
    var lines: [String] = []
    func header(_ name: String, _ value: String) { lines.append("\(name): \(value)") }
    header("From", message.from)
    header("To", message.to)
    header("Subject", encodedWord(message.subject))
    header("Date", rfc5322Date(date))
    header("Message-ID", "<\(messageIdLocalPart(message.id))@\(domain(of: message.from))>")
    header("MIME-Version", "1.0")
    header("X-Governor-Message-Id", message.id)
    for (name, value) in message.headers.sorted(by: { $0.key < $1.key }) {
      header(name, value)
    }
    let parts: [(type: String, body: String)] =
      [("text/plain", message.text), ("text/html", message.html)].compactMap { part in
        part.1.map { (part.0, $0) }
      }
    switch parts.count {
    case 0:
      header("Content-Type", "text/plain; charset=utf-8")
      lines += ["", ""]
    case 1:
      lines += bodyPart(parts[0].type, parts[0].body)
    default:
      let boundary = boundary ?? "=_governor_" + UUID().uuidString.lowercased()
      header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
      lines.append("")
      for part in parts {
        lines.append("--\(boundary)")
        lines += bodyPart(part.type, part.body)
      }
      lines.append("--\(boundary)--")
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  static func bodyPart(_ type: String, _ body: String) -> [String] {
    [
      "Content-Type: \(type); charset=utf-8",
      "Content-Transfer-Encoding: base64",
      "",
      Data(body.utf8).base64EncodedString(options: [
        .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
      ]),
    ]
  }

  /// RFC 2047 B-encoding when the text is not plain printable ASCII.
  static func encodedWord(_ text: String) -> String {
    let plain = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
    return plain ? text : "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
  }

  /// By hand: a `DateFormatter` per message was 9% of a gateway request in a profile, and
  /// one shared formatter is not safe across threads.
  public static func rfc5322Date(_ date: Date) -> String {
    let seconds = Int(date.timeIntervalSince1970.rounded(.down))
    let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
    let dayNumber = secondOfDay < 0 ? days - 1 : days
    let second = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
    let civil = CivilDate(daysSinceEpoch: dayNumber)
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    let months = [
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(weekdays[civil.isoWeekday - 1]), \(two(civil.day)) \(months[civil.month - 1]) "
      + "\(civil.year) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) +0000"
  }

  /// The message id with anything outside RFC 5322's dot-atom text replaced.
  static func messageIdLocalPart(_ id: String) -> String {
    guard id.utf8.contains(where: { !isAtomText($0) }) else { return id }
    return String(
      String.UnicodeScalarView(
        id.unicodeScalars.map { $0.isASCII && isAtomText(UInt8($0.value)) ? $0 : "_" }))
  }

  private static func isAtomText(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    default:
      return "!#$%&'*+-/=?^_`{|}~.".utf8.contains(byte)
    }
  }

  static func domain(of address: String) -> String {
    guard let at = address.lastIndex(of: "@") else { return "governor.invalid" }
    var domain = address[address.index(after: at)...].prefix { $0 != ">" }
    while domain.last == " " { domain.removeLast() }
    return domain.isEmpty ? "governor.invalid" : String(domain)
  }
}
