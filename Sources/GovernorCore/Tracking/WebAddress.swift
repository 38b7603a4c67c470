import Foundation

/// An absolute http(s) URL, split where the tracking rules look. Parsed by hand: Foundation's
/// `URLComponents` re-encodes what it dislikes, and a cleaned link must keep every byte the
/// governor did not mean to change.
struct WebAddress {
  let text: String
  /// Lowercased, without user info, port or a trailing dot.
  let host: String
  /// From the first `/` after the host up to `?` or `#`; may be empty.
  let path: Substring
  /// After `?`, up to `#`.
  let query: Substring?
  /// `#` and what follows.
  let fragment: Substring?

  init?(_ text: String) {
    self.text = text
    let utf8 = text.utf8
    guard let authorityStart = Self.authorityStart(of: text) else { return nil }
    let authorityEnd =
      utf8[authorityStart...].firstIndex { $0 == .slash || $0 == .question || $0 == .hash }
      ?? text.endIndex
    var authority = text[authorityStart..<authorityEnd]
    if let at = authority.lastIndex(of: "@") {
      authority = authority[authority.index(after: at)...]
    }
    if !authority.hasPrefix("["), let colon = authority.lastIndex(of: ":") {
      authority = authority[..<colon]
    }
    if authority.hasSuffix(".") { authority = authority.dropLast() }
    guard !authority.isEmpty else { return nil }
    host = authority.lowercased()

    let queryMark = utf8[authorityEnd...].firstIndex { $0 == .question || $0 == .hash }
    let hashMark = utf8[authorityEnd...].firstIndex(of: .hash)
    path = text[authorityEnd..<(queryMark ?? text.endIndex)]
    if let queryMark, utf8[queryMark] == .question {
      query = text[text.index(after: queryMark)..<(hashMark ?? text.endIndex)]
    } else {
      query = nil
    }
    fragment = hashMark.map { text[$0...] }
  }

  /// `http://`, `https://` (any case) or a protocol-relative `//`.
  private static func authorityStart(of text: String) -> String.Index? {
    let utf8 = text.utf8
    if utf8.starts(with: "//".utf8) { return utf8.index(utf8.startIndex, offsetBy: 2) }
    guard let colon = utf8.prefix(6).firstIndex(of: .colon) else { return nil }
    let scheme = text[..<colon].lowercased()
    guard scheme == "http" || scheme == "https" else { return nil }
    let rest = utf8[colon...].dropFirst()
    guard rest.starts(with: "//".utf8) else { return nil }
    return utf8.index(colon, offsetBy: 3)
  }

  var parameters: [(name: Substring, value: Substring)] {
    guard let query, !query.isEmpty else { return [] }
    return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
      if let equals = pair.firstIndex(of: "=") {
        return (pair[..<equals], pair[pair.index(after: equals)...])
      }
      return (pair[...], pair[pair.endIndex...])
    }
  }

  func parameter(_ name: String) -> Substring? {
    parameters.first { $0.name.lowercased() == name }?.value
  }

  /// The URL without the query pairs `remove` picks, every other byte as it was; nil when
  /// nothing was removed. A query left empty loses its `?`.
  func removingParameters(where remove: (Substring) -> Bool) -> String? {
    guard let query else { return nil }
    let pairs = query.split(separator: "&", omittingEmptySubsequences: false)
    let kept = pairs.filter { pair in
      let name = pair.firstIndex(of: "=").map { pair[..<$0] } ?? pair
      return name.isEmpty || !remove(name)
    }
    guard kept.count < pairs.count else { return nil }
    let beforeQuery = text[..<text.index(before: query.startIndex)]
    let keptQuery = kept.joined(separator: "&")
    return String(beforeQuery) + (keptQuery.isEmpty ? "" : "?" + keptQuery)
      + (fragment.map(String.init) ?? "")
  }

  /// Non-empty path segments, in order.
  var pathSegments: [Substring] {
    path.split(separator: "/", omittingEmptySubsequences: true)
  }
}

extension UInt8 {
  static let slash = UInt8(ascii: "/")
  static let question = UInt8(ascii: "?")
  static let hash = UInt8(ascii: "#")
  static let colon = UInt8(ascii: ":")
}
