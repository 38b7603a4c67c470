/// One RFC 5322 §3.4 `mailbox`: an optional display name and one address. A message goes to
/// exactly one person, so what a campaign tool writes in `to` (and in `from`) must parse as
/// one of these and nothing more: not a list, not a group, not a name that reads as another
/// address.
///
/// Written by hand: none of the project's libraries parses RFC 5322 addresses. Read as
/// UTF-8 bytes (RFC 6532 lets names and addresses hold any non-ASCII text); comments are
/// skipped; domain literals and source routes, which no marketing mail needs, are refused.
public struct Mailbox: Hashable, Sendable {
  /// The display name, unquoted and unescaped; nil when there is none.
  public var displayName: String?
  /// As given, with its quotes if it was a quoted string (the local part is case-sensitive).
  public var localPart: String
  public var domain: String

  /// `local@domain`, as routed.
  public var address: String { localPart + "@" + domain }

  public init(displayName: String? = nil, localPart: String, domain: String) {
    self.displayName = displayName
    self.localPart = localPart
    self.domain = domain
  }

  /// Why a text is not exactly one mailbox, in words for the field's problem.
  public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
    case list
    case empty
    case displayNameHoldsAddress
    case malformed(String)

    public var description: String {
      switch self {
      case .list:
        return "holds more than one address; a message goes to exactly one mailbox"
      case .empty: return "is empty"
      case .displayNameHoldsAddress:
        return "has a display name that reads as an address; give the name without '@'"
      case .malformed(let what): return "is not one email address (\(what))"
      }
    }
  }

  /// RFC 5321 §4.5.3.1: the longest path a server must accept, less the angle brackets.
  public static let longestAddress = 254
  static let longestLocalPart = 64

  public init(parsing text: String) throws(Problem) {
    var reader = Reader(Array(text.utf8))
    self = try reader.mailbox()
    // Non-ASCII is atom text to the grammar, but a no-break or ideographic space inside an
    // address is a typo or a trick, never a mailbox.
    if address.utf8.contains(where: { $0 >= 0x80 }),
      address.unicodeScalars.contains(where: { $0.properties.isWhitespace })
    {
      throw .malformed("white space inside the address")
    }
  }

  /// Whether two texts name one mailbox as mailbox providers route it: the local part as
  /// given, the domain without case (and in its IDNA form). No dots or plus-tag folding: two
  /// spellings a provider may merge can still be two people elsewhere.
  public static func sameAddress(_ lhs: String, _ rhs: String) -> Bool {
    if lhs == rhs { return true }
    guard let left = try? Mailbox(parsing: lhs), let right = try? Mailbox(parsing: rhs) else {
      return lhs.lowercased() == rhs.lowercased()
    }
    guard left.localPart == right.localPart else { return false }
    let leftDomain = Punycode.asciiDomain(left.domain) ?? left.domain
    let rightDomain = Punycode.asciiDomain(right.domain) ?? right.domain
    return leftDomain.lowercased() == rightDomain.lowercased()
  }
}

extension Mailbox {
  /// The grammar over bytes. Tokens are read one at a time; a comma, semicolon or colon
  /// outside quotes, comments and angle brackets means a list or a group.
  fileprivate struct Reader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func mailbox() throws(Problem) -> Mailbox {
      let hasAngle = try scanForLists()
      try skipSpaceAndComments()
      guard index < bytes.count else { throw .empty }
      // A display name is a phrase before `<`; without `<` the whole text is an addr-spec.
      guard hasAngle else {
        let (local, domain) = try addrSpec()
        try skipSpaceAndComments()
        guard index == bytes.count else {
          throw .malformed("unexpected text after the address")
        }
        return Mailbox(localPart: local, domain: domain)
      }
      let name = try phrase()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else {
        throw .malformed("a display name must be followed by <address>")
      }
      index += 1
      let (local, domain) = try addrSpec()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
        throw .malformed("'<' without a closing '>' right after the address")
      }
      index += 1
      try skipSpaceAndComments()
      guard index == bytes.count else { throw .malformed("unexpected text after '>'") }
      if let name, name.contains("@") { throw .displayNameHoldsAddress }
      return Mailbox(displayName: name, localPart: local, domain: domain)
    }

    /// Separators of lists and groups, and a second `<`, outside quoted text and comments;
    /// returns whether there is one `<` there.
    func scanForLists() throws(Problem) -> Bool {
      var position = 0
      var depth = 0
      var quoted = false
      var angles = 0
      while position < bytes.count {
        let byte = bytes[position]
        if byte == UInt8(ascii: "\\") && (quoted || depth > 0) {
          position += 2
          continue
        }
        if quoted {
          if byte == UInt8(ascii: "\"") { quoted = false }
        } else if depth > 0 {
          if byte == UInt8(ascii: "(") { depth += 1 }
          if byte == UInt8(ascii: ")") { depth -= 1 }
        } else {
          switch byte {
          case UInt8(ascii: "\""): quoted = true
          case UInt8(ascii: "("): depth = 1
          case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"): throw .list
          case UInt8(ascii: "<"):
            angles += 1
            if angles > 1 { throw .list }
          default: break
          }
        }
        position += 1
      }
      if quoted { throw .malformed("a quote is not closed") }
      if depth > 0 { throw .malformed("a comment is not closed") }
      return angles == 1
    }

    /// Words (atoms and quoted strings) up to `<`, joined by single spaces; nil when empty.
    /// RFC 5322 §4.1's obsolete phrase also allows a `.`, which names like `J. Doe` use.
    mutating func phrase() throws(Problem) -> String? {
      var words: [String] = []
      while true {
        try skipSpaceAndComments()
        guard index < bytes.count, bytes[index] != UInt8(ascii: "<") else { break }
        if bytes[index] == UInt8(ascii: "\"") {
          words.append(try quotedString(keepingQuotes: false))
        } else {
          let start = index
          while index < bytes.count,
            Self.isAtomText(bytes[index]) || bytes[index] == UInt8(ascii: ".")
          {
            index += 1
          }
          guard index > start else {
            throw bytes[index] == UInt8(ascii: "@")
              ? .displayNameHoldsAddress
              : .malformed("'\(Character(Unicode.Scalar(bytes[index])))' in the display name")
          }
          words.append(String(decoding: bytes[start..<index], as: UTF8.self))
        }
      }
      let name = words.joined(separator: " ")
      return name.isEmpty ? nil : name
    }

    mutating func addrSpec() throws(Problem) -> (local: String, domain: String) {
      try skipSpaceAndComments()
      guard index < bytes.count else { throw .malformed("no address") }
      let local: String
      if bytes[index] == UInt8(ascii: "\"") {
        local = try quotedString(keepingQuotes: true)
      } else {
        local = try dotAtom(what: "local part")
      }
      try skipSpaceAndComments()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "@") else {
        throw .malformed("no '@'")
      }
      index += 1
      try skipSpaceAndComments()
      guard index < bytes.count, bytes[index] != UInt8(ascii: "[") else {
        throw .malformed(index < bytes.count ? "a domain literal" : "no domain")
      }
      let domain = try dotAtom(what: "domain")
      try skipSpaceAndComments()
      guard local.utf8.count <= Mailbox.longestLocalPart else {
        throw .malformed("the local part is longer than 64 bytes")
      }
      guard local.utf8.count + 1 + domain.utf8.count <= Mailbox.longestAddress else {
        throw .malformed("longer than \(Mailbox.longestAddress) bytes")
      }
      try Self.checkDomain(domain)
      return (local, domain)
    }

    /// RFC 5322 `dot-atom-text`: atoms joined by single dots.
    mutating func dotAtom(what: String) throws(Problem) -> String {
      let start = index
      var lastWasDot = true
      while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: ".") {
          guard !lastWasDot else { throw .malformed("an empty part between dots in the \(what)") }
          lastWasDot = true
        } else if Self.isAtomText(byte) {
          lastWasDot = false
        } else {
          break
        }
        index += 1
      }
      guard index > start else { throw .malformed("no \(what)") }
      guard !lastWasDot else { throw .malformed("the \(what) ends with a dot") }
      return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A host name: labels of letters, digits and hyphens (or internationalised text), at
    /// least two of them, none starting or ending with a hyphen.
    static func checkDomain(_ domain: String) throws(Problem) {
      let labels = domain.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
      guard labels.count >= 2 else { throw .malformed("the domain '\(domain)' has no dot") }
      for label in labels {
        guard label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
          label.allSatisfy({ isHostByte($0) })
        else { throw .malformed("'\(domain)' is not a host name") }
      }
    }

    static func isHostByte(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), 0x80...:
        return true
      default: return false
      }
    }

    /// A quoted string, unescaped; with `keepingQuotes` as written (a quoted local part is
    /// routed as written).
    mutating func quotedString(keepingQuotes: Bool) throws(Problem) -> String {
      let start = index
      index += 1
      var content: [UInt8] = []
      while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
        if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
        guard bytes[index] >= 0x20 || bytes[index] == 0x09 else {
          throw .malformed("a control character in quoted text")
        }
        content.append(bytes[index])
        index += 1
      }
      guard index < bytes.count else { throw .malformed("a quote is not closed") }
      index += 1
      return keepingQuotes
        ? String(decoding: bytes[start..<index], as: UTF8.self)
        : String(decoding: content, as: UTF8.self)
    }

    mutating func skipSpaceAndComments() throws(Problem) {
      while index < bytes.count {
        switch bytes[index] {
        case 0x20, 0x09: index += 1
        case UInt8(ascii: "("):
          var depth = 0
          repeat {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 1
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            default: break
            }
            index += 1
          } while depth > 0 && index < bytes.count
          guard depth == 0 else { throw .malformed("a comment is not closed") }
        default: return
        }
      }
    }

    /// RFC 5322 `atext`, with RFC 6532's non-ASCII text.
    static func isAtomText(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), 0x80...:
        return true
      default:
        return Self.atomSymbols.contains(byte)
      }
    }

    private static let atomSymbols: [UInt8] = Array("!#$%&'*+-/=?^_`{|}~".utf8)
  }
}
