import Foundation
import GovernorCore

/// A message as RFC 5322 / MIME text, what the outbox writes and SES receives raw.
///
/// Written by hand: none of the project's libraries builds MIME. Bodies are base64 in
/// 76-character lines (RFC 2045 §6.8), so any UTF-8 content is safe for 7-bit transport;
/// non-ASCII subjects and display names are RFC 2047 encoded-words, internationalised domains
/// their IDNA `xn--` form, and header lines are folded at white space to stay within 78
/// characters where they can (RFC 5322 §2.1.1: 998 at most). Only a non-ASCII local part
/// stays UTF-8 (RFC 6532): such a message needs SMTPUTF8 (`needsSMTPUTF8`).
public enum MIMEMessage {
  /// The message as bytes. A whole message a door took (`message.mime`) keeps its content —
  /// every part the rules did not change, byte for byte — and its own Date and Message-ID;
  /// its other headers are written from the message's fields, as every message's are.
  public static func bytes(_ message: Message, date: Date) -> [UInt8] {
    guard let source = message.mime,
      let entity = try? source.document.entity(html: message.html, text: message.text)
    else { return Array(render(message, date: date).utf8) }
    let original = source.document.headers
    var lines = headerLines(
      message, date: original.first("Date")?.value ?? rfc5322Date(date),
      messageId: original.first("Message-ID")?.value)
    lines.append("")
    return Array(lines.joined(separator: "\r\n").utf8) + entity
  }

  public static func render(_ message: Message, date: Date, boundary: String? = nil) -> String {
    var lines = headerLines(message, date: rfc5322Date(date), messageId: nil)
    func header(_ name: String, _ value: String) { lines.append("\(name): \(value)") }
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

  /// Every header but the content's: from the message's fields, none copied from a source.
  static func headerLines(_ message: Message, date: String, messageId: String?) -> [String] {
    var lines: [String] = []
    // The governor's own headers are short and known; only what the message brings is folded.
    func header(_ name: String, _ value: String) { lines.append("\(name): \(value)") }
    func given(_ name: String, _ value: String) { lines += folded(name, value) }
    given("From", addressHeader(message.from))
    given("To", addressHeader(message.to))
    given("Subject", encodedWords(message.subject))
    header("Date", date)
    if let messageId, !Self.holdsLineBreak(messageId) {
      given("Message-ID", messageId)
    } else {
      header(
        "Message-ID", "<\(messageIdLocalPart(message.id))@\(messageIdDomain(message.from))>")
    }
    header("MIME-Version", "1.0")
    given("X-Governor-Message-Id", message.id)
    for (name, value) in message.headers.sorted(by: { $0.key < $1.key }) {
      given(name, value)
    }
    return lines
  }

  static func holdsLineBreak(_ value: String) -> Bool {
    value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
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

  /// RFC 2047 B-encoding when the text is not plain printable ASCII: encoded-words of at
  /// most 75 characters (§2), split between characters, never inside one (§5), separated by
  /// spaces where the header may be folded.
  static func encodedWords(_ text: String) -> String {
    let plain = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
    guard !plain else { return text }
    // 39 bytes of UTF-8 are 52 of base64; with `=?UTF-8?B?` and `?=`, 64: the first word
    // fits beside `Subject: ` within 78.
    var words: [String] = []
    var chunk: [UInt8] = []
    for character in text {
      let bytes = Array(String(character).utf8)
      if chunk.count + bytes.count > 39 && !chunk.isEmpty {
        words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
        chunk = []
      }
      chunk += bytes
    }
    if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
    return words.joined(separator: " ")
  }

  /// A mailbox as a header writes it: an ASCII address (the domain in IDNA form), the display
  /// name as it stands, quoted, or encoded. Text that is not one mailbox (never accepted, but
  /// a held message may predate the check) is written as given.
  static func addressHeader(_ text: String) -> String {
    guard let mailbox = try? Mailbox(parsing: text) else { return text }
    let address = asciiAddress(mailbox)
    guard let name = mailbox.displayName else { return address }
    if !name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
      return "\(encodedWords(name)) <\(address)>"
    }
    let atom = name.utf8.allSatisfy {
      $0 == UInt8(ascii: " ") || isAtomText($0) && $0 != UInt8(ascii: ".")
    }
    if atom { return "\(name) <\(address)>" }
    let escaped = name.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "\"", with: "\\\"")
    return "\"\(escaped)\" <\(address)>"
  }

  /// `local@domain` with the domain in its IDNA form.
  public static func asciiAddress(_ mailbox: Mailbox) -> String {
    mailbox.localPart + "@" + (Punycode.asciiDomain(mailbox.domain) ?? mailbox.domain)
  }

  /// Whether `to` or `from` has a non-ASCII local part, which only an SMTPUTF8 path (RFC 6531)
  /// can carry; the webhook's JSON says so (`smtputf8`).
  public static func needsSMTPUTF8(_ message: Message) -> Bool {
    [message.to, message.from].contains { text in
      (try? Mailbox(parsing: text))?.localPart.utf8.contains { $0 >= 0x80 } ?? false
    }
  }

  /// One header field, folded before white space so that each line stays within 78
  /// characters where it can and within RFC 5322's 998 always. A run with no white space
  /// longer than that cannot be folded; the validator refuses such header values. The first
  /// word stays on the name's line: some readers take an empty first line for no value.
  static func folded(_ name: String, _ value: String) -> [String] {
    let line = "\(name): \(value)"
    guard line.utf8.count > 78 else { return [line] }
    var lines: [String] = []
    var current = ""
    var currentCount = 0
    var word = ""
    var wordCount = 0
    // The name, the colon and the first word of the value make one unit.
    let unbreakable = name.utf8.count + 2
    func flushWord() {
      if currentCount + wordCount > 78 && currentCount > unbreakable {
        lines.append(current)
        current = ""
        currentCount = 0
      }
      current += word
      currentCount += wordCount
      word = ""
      wordCount = 0
    }
    for (offset, character) in line.enumerated() {
      if (character == " " || character == "\t") && wordCount > 0 && offset >= unbreakable {
        flushWord()
      }
      word.append(character)
      wordCount += character.utf8.count
    }
    flushWord()
    if !current.isEmpty { lines.append(current) }
    return lines
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

  /// The parsed From address's domain, in IDNA form: not whatever follows the last `@`,
  /// which a display name or a comment could supply.
  static func messageIdDomain(_ from: String) -> String {
    guard let mailbox = try? Mailbox(parsing: from) else { return "governor.invalid" }
    return Punycode.asciiDomain(mailbox.domain) ?? "governor.invalid"
  }
}
