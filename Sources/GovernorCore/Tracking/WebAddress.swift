/// An absolute http(s) URL, split where the tracking rules look. Parsed by hand over its
/// UTF-8 bytes with integer offsets: Foundation's `URLComponents` re-encodes what it
/// dislikes, a cleaned link must keep every byte the governor did not mean to change, and
/// every link of every mail passes here.
struct WebAddress {
  private let bytes: [UInt8]
  private let hostRange: Range<Int>
  private let pathRange: Range<Int>
  /// After `?`, up to `#`.
  private let queryRange: Range<Int>?
  /// From `#` to the end.
  private let fragmentStart: Int?

  init?(_ text: String) {
    self.init(bytes: Array(text.utf8))
  }

  init?(bytes: [UInt8]) {
    self.bytes = bytes
    guard let authorityStart = Self.authorityStart(of: bytes) else { return nil }
    var authorityEnd = authorityStart
    while authorityEnd < bytes.count {
      let byte = bytes[authorityEnd]
      if byte == .slash || byte == .question || byte == .hash { break }
      authorityEnd += 1
    }
    var hostStart = authorityStart
    var hostEnd = authorityEnd
    if let at = bytes[hostStart..<hostEnd].lastIndex(of: UInt8(ascii: "@")) { hostStart = at + 1 }
    if hostStart < hostEnd, bytes[hostStart] != UInt8(ascii: "["),
      let colon = bytes[hostStart..<hostEnd].lastIndex(of: .colon)
    {
      hostEnd = colon
    }
    if hostEnd > hostStart, bytes[hostEnd - 1] == UInt8(ascii: ".") { hostEnd -= 1 }
    guard hostEnd > hostStart else { return nil }
    hostRange = hostStart..<hostEnd

    var pathEnd = authorityEnd
    while pathEnd < bytes.count && bytes[pathEnd] != .question && bytes[pathEnd] != .hash {
      pathEnd += 1
    }
    pathRange = authorityEnd..<pathEnd
    let hash = bytes[pathEnd...].firstIndex(of: .hash)
    fragmentStart = hash
    queryRange =
      pathEnd < bytes.count && bytes[pathEnd] == .question
      ? (pathEnd + 1)..<(hash ?? bytes.count) : nil
  }

  /// `http://`, `https://` (any case) or a protocol-relative `//`.
  private static func authorityStart(of bytes: [UInt8]) -> Int? {
    if bytes.starts(with: "//".utf8) { return 2 }
    guard let colon = bytes.prefix(6).firstIndex(of: .colon) else { return nil }
    let scheme = bytes[..<colon]
    guard
      scheme.elementsEqualIgnoringASCIICase("http")
        || scheme.elementsEqualIgnoringASCIICase("https"),
      bytes[(colon + 1)...].starts(with: "//".utf8)
    else { return nil }
    return colon + 3
  }

  /// The URL as written; made only for a URL that is reported or changed.
  var text: String { String(decoding: bytes, as: UTF8.self) }

  /// Without user info, port or a trailing dot; in the case written (lookups fold it).
  var host: ArraySlice<UInt8> { bytes[hostRange] }

  var path: ArraySlice<UInt8> { bytes[pathRange] }

  /// Non-empty path segments, in order.
  var pathSegments: [Substring] {
    path.split(separator: .slash).map { Substring(String(decoding: $0, as: UTF8.self)) }
  }

  /// The value of the first parameter called `name` (ASCII case ignored).
  func parameter(_ name: String) -> Substring? {
    var found: Substring?
    forEachPair { pair in
      guard found == nil else { return }
      let (key, value) = Self.split(pair)
      if key.elementsEqualIgnoringASCIICase(name) {
        found = Substring(String(decoding: value, as: UTF8.self))
      }
    }
    return found
  }

  /// Whether some parameter's name satisfies `test`.
  func hasParameter(where test: (ArraySlice<UInt8>) -> Bool) -> Bool {
    var found = false
    forEachPair { pair in
      if !found && test(Self.split(pair).name) { found = true }
    }
    return found
  }

  /// The URL without the query pairs `remove` picks, every other byte as it was; nil when
  /// nothing was removed. A query left empty loses its `?`.
  func removingParameters(where remove: (ArraySlice<UInt8>) -> Bool) -> String? {
    guard let queryRange, hasParameter(where: remove) else { return nil }
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count)
    result += bytes[..<queryRange.lowerBound]  // up to and with the `?`
    var keptPairs = 0
    forEachPair(includingEmpty: true) { pair in
      let name = Self.split(pair).name
      guard name.isEmpty || !remove(name) else { return }
      if keptPairs > 0 { result.append(.ampersand) }
      result += pair
      keptPairs += 1
    }
    if result.count == queryRange.lowerBound { result.removeLast() }  // nothing kept: no `?`
    if let fragmentStart { result += bytes[fragmentStart...] }
    return String(decoding: result, as: UTF8.self)
  }

  private func forEachPair(includingEmpty: Bool = false, _ body: (ArraySlice<UInt8>) -> Void) {
    guard let queryRange else { return }
    var start = queryRange.lowerBound
    while true {
      let end =
        bytes[start..<queryRange.upperBound].firstIndex(of: .ampersand) ?? queryRange.upperBound
      if includingEmpty || start < end { body(bytes[start..<end]) }
      guard end < queryRange.upperBound else { return }
      start = end + 1
    }
  }

  private static func split(_ pair: ArraySlice<UInt8>) -> (
    name: ArraySlice<UInt8>, value: ArraySlice<UInt8>
  ) {
    guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
      return (pair, pair[pair.endIndex...])
    }
    return (pair[..<equals], pair[(equals + 1)...])
  }
}

extension Collection<UInt8> {
  /// ASCII case-insensitive equality with `other`, for schemes, hosts and parameter names.
  func elementsEqualIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
    elementsEqual(other.utf8) { $0.asciiLowercased == $1.asciiLowercased }
  }

  /// ASCII case-insensitive prefix test.
  func startsIgnoringASCIICase(with prefix: some StringProtocol) -> Bool {
    starts(with: prefix.utf8) { $0.asciiLowercased == $1.asciiLowercased }
  }
}

extension UInt8 {
  static let slash = UInt8(ascii: "/")
  static let question = UInt8(ascii: "?")
  static let hash = UInt8(ascii: "#")
  static let colon = UInt8(ascii: ":")

  var asciiLowercased: UInt8 {
    self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self
  }
}
