import Foundation

/// One command line of an SMTP session (RFC 5321 §4.1.1), as a client sent it.
///
/// The SMTP server is written by hand on SwiftNIO: the package mirror holds no SMTP server
/// library (its one NIO example server has no TLS, AUTH or RSET), and a relay needs exactly
/// the parts of RFC 5321, 3207 (STARTTLS), 4954 (AUTH), 1870 (SIZE), 2920 (PIPELINING) and
/// 3463 (enhanced codes) that submission servers speak.
public enum SMTPCommand: Hashable, Sendable {
  case helo(String)
  case ehlo(String)
  /// The reverse path (empty for `<>`) and the ESMTP parameters, names uppercased.
  case mail(from: String, parameters: [String: String])
  case rcpt(to: String, parameters: [String: String])
  case data
  case rset
  case noop
  case quit
  case vrfy
  case help
  case startTLS
  /// The mechanism, uppercased, and the initial response when one came on the line.
  case auth(mechanism: String, initial: String?)
  /// A verb the server does not know.
  case unknown(String)
  /// A known verb with arguments that cannot be read: the reply text says why.
  case malformed(code: Int, enhanced: String, text: String)

  /// Nil for a line that is not text (binary garbage).
  public static func parse(_ line: [UInt8]) -> SMTPCommand? {
    guard let text = String(validating: line, as: UTF8.self) else { return nil }
    let verbEnd = text.firstIndex(of: " ") ?? text.endIndex
    let verb = text[..<verbEnd].uppercased()
    let argument = String(text[verbEnd...].trimmingWhitespace())
    switch verb {
    case "HELO", "EHLO":
      guard !argument.isEmpty else {
        return .malformed(code: 501, enhanced: "5.5.4", text: "\(verb) needs a domain or address")
      }
      return verb == "HELO" ? .helo(argument) : .ehlo(argument)
    case "MAIL":
      guard let (path, parameters) = Self.path(argument, prefix: "FROM:") else {
        return .malformed(code: 501, enhanced: "5.5.4", text: "Syntax: MAIL FROM:<address>")
      }
      return .mail(from: path, parameters: parameters)
    case "RCPT":
      guard let (path, parameters) = Self.path(argument, prefix: "TO:"), !path.isEmpty else {
        return .malformed(code: 501, enhanced: "5.5.4", text: "Syntax: RCPT TO:<address>")
      }
      return .rcpt(to: path, parameters: parameters)
    case "DATA", "RSET", "QUIT", "STARTTLS":
      guard argument.isEmpty else {
        return .malformed(code: 501, enhanced: "5.5.4", text: "\(verb) takes no argument")
      }
      switch verb {
      case "DATA": return .data
      case "RSET": return .rset
      case "QUIT": return .quit
      default: return .startTLS
      }
    case "NOOP": return .noop
    case "VRFY", "EXPN": return .vrfy
    case "HELP": return .help
    case "AUTH":
      let words = argument.split(separator: " ", omittingEmptySubsequences: true)
      guard let mechanism = words.first, words.count <= 2 else {
        return .malformed(code: 501, enhanced: "5.5.4", text: "Syntax: AUTH mechanism [response]")
      }
      return .auth(
        mechanism: mechanism.uppercased(), initial: words.count == 2 ? String(words[1]) : nil)
    default:
      return .unknown(String(verb.prefix(16)))
    }
  }

  /// `FROM:<a@b> SIZE=10 BODY=8BITMIME`: the address inside the brackets (RFC 5321 §4.1.2;
  /// a space after the colon, which some clients write, is allowed) and the parameters.
  static func path(_ argument: String, prefix: String) -> (String, [String: String])? {
    guard argument.uppercased().hasPrefix(prefix) else { return nil }
    let rest = argument.dropFirst(prefix.count).drop { $0 == " " }
    guard rest.first == "<", let close = rest.firstIndex(of: ">") else { return nil }
    var address = String(rest[rest.index(after: rest.startIndex)..<close])
    // A source route (`<@a,@b:c@d>`, RFC 5321 §4.1.2) is ignored, as §C allows.
    if address.hasPrefix("@"), let colon = address.firstIndex(of: ":") {
      address = String(address[address.index(after: colon)...])
    }
    var parameters: [String: String] = [:]
    for word in rest[rest.index(after: close)...].split(separator: " ") {
      let pair = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      // RFC 5321 §4.1.2: a parameter starts with its keyword (`=x` alone has none).
      guard !pair[0].isEmpty else { return nil }
      parameters[pair[0].uppercased()] = pair.count == 2 ? String(pair[1]) : ""
    }
    return (address, parameters)
  }
}

/// One reply: the code, the enhanced status code (RFC 3463) and the text, one line each.
/// Every line is printable: replies echo what clients sent (an EHLO name) and carry rule texts,
/// and a CR or LF in them would end the line early and let the rest read as a reply of its own.
public struct SMTPReply: Hashable, Sendable {
  public var code: Int
  public var lines: [String]

  public init(_ code: Int, _ enhanced: String?, _ text: String) {
    self.init(code: code, lines: [enhanced.map { "\($0) \(text)" } ?? text])
  }

  public init(code: Int, lines: [String]) {
    self.code = code
    self.lines = lines.map(Self.printable)
  }

  /// Control characters as `?`: RFC 5321 §4.2 allows only printable text and tabs in a reply.
  static func printable(_ line: String) -> String {
    guard line.unicodeScalars.contains(where: Self.isControl) else { return line }
    return String(
      String.UnicodeScalarView(line.unicodeScalars.map { Self.isControl($0) ? "?" : $0 }))
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F
  }

  /// `250-first`, …, `250 last`, each ended by CRLF.
  public var wire: String {
    lines.enumerated().map { index, line in
      "\(code)\(index == lines.count - 1 ? " " : "-")\(line)\r\n"
    }.joined()
  }
}
