/// An unsubscribe request that arrives as mail to the `mailto:` of `List-Unsubscribe`
/// (RFC 2369): the words that may be its token.
///
/// Written by hand: reading a Subject and a To needs only RFC 5322's header unfolding, not a
/// MIME library, and none of the project's libraries parses mail.
public enum UnsubscribeMail {
  /// The subject the governor's `mailto:` carries is this word, a space, and the token.
  public static let subjectWord = "unsubscribe"

  /// Every whitespace-separated word of the Subject, then a `+tag` of the To address's local
  /// part (some mailbox providers send to a tagged address instead): the caller keeps the
  /// first that opens as a token. Only the header section is read.
  public static func candidateTokens(in raw: String) -> [String] {
    var candidates: [String] = []
    for (name, value) in headers(of: raw) {
      switch name.lowercased() {
      case "subject":
        candidates += value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      case "to":
        if let mailbox = try? Mailbox(parsing: value),
          let plus = mailbox.localPart.firstIndex(of: "+")
        {
          candidates.append(String(mailbox.localPart[mailbox.localPart.index(after: plus)...]))
        }
      default: continue
      }
    }
    return candidates
  }

  /// The header fields, unfolded, up to the first empty line.
  static func headers(of raw: String) -> [(name: String, value: String)] {
    var fields: [(name: String, value: String)] = []
    for line in raw.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      if line.isEmpty { break }
      if line.first == " " || line.first == "\t" {
        guard !fields.isEmpty else { continue }
        fields[fields.count - 1].value += " " + line.trimmingWhitespace()
      } else if let colon = line.firstIndex(of: ":") {
        fields.append(
          (String(line[..<colon]), String(line[line.index(after: colon)...].trimmingWhitespace())))
      }
    }
    return fields
  }
}
