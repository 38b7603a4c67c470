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
    guard let authorityStart = Self.authorityStart(of: bytes) else { return nil }
    // One pass, over the buffer: every link and image of every mail is parsed here.
    let parts = bytes.withUnsafeBufferPointer { buffer -> (Range<Int>, Range<Int>, Int?)? in
      var index = authorityStart
      var hostStart = authorityStart
      var colon: Int?
      scan: while index < buffer.count {
        switch buffer[index] {
        case .slash, .question, .hash: break scan
        case UInt8(ascii: "@"):
          hostStart = index + 1
          colon = nil
        case .colon: colon = index
        default: break
        }
        index += 1
      }
      let authorityEnd = index
      var hostEnd = authorityEnd
      if let colon, hostStart < authorityEnd, buffer[hostStart] != UInt8(ascii: "[") {
        hostEnd = colon
      }
      if hostEnd > hostStart, buffer[hostEnd - 1] == UInt8(ascii: ".") { hostEnd -= 1 }
      guard hostEnd > hostStart else { return nil }
      let hash = HTMLTokenizer.find(.hash, buffer, from: authorityEnd, to: buffer.count)
      let pathEnd =
        HTMLTokenizer.find(.question, buffer, from: authorityEnd, to: hash ?? buffer.count)
        ?? hash ?? buffer.count
      return (hostStart..<hostEnd, authorityEnd..<pathEnd, hash)
    }
    guard let (host, path, hash) = parts else { return nil }
    self.bytes = bytes
    hostRange = host
    pathRange = path
    fragmentStart = hash
    queryRange =
      path.upperBound < bytes.count && bytes[path.upperBound] == .question
      ? (path.upperBound + 1)..<(hash ?? bytes.count) : nil
  }

  /// `http://`, `https://` (any case) or a protocol-relative `//`.
  private static func authorityStart(of bytes: [UInt8]) -> Int? {
    func isSlashes(at index: Int) -> Bool {
      index + 1 < bytes.count && bytes[index] == .slash && bytes[index + 1] == .slash
    }
    if isSlashes(at: 0) { return 2 }
    guard bytes.count > 7, bytes[0] | 0x20 == UInt8(ascii: "h"),
      bytes[1] | 0x20 == UInt8(ascii: "t"), bytes[2] | 0x20 == UInt8(ascii: "t"),
      bytes[3] | 0x20 == UInt8(ascii: "p")
    else { return nil }
    if bytes[4] == .colon && isSlashes(at: 5) { return 7 }
    if bytes[4] | 0x20 == UInt8(ascii: "s") && bytes[5] == .colon && isSlashes(at: 6) { return 8 }
    return nil
  }

  /// The URL as written; made only for a URL that is reported or changed.
  var text: String { String(decoding: bytes, as: UTF8.self) }

  /// Calls `body` with the URL's bytes, lent for the call: slices of them retain nothing,
  /// where an `ArraySlice` of `bytes` would retain the array for every parameter of every link.
  func withSpans<Result>(_ body: (Spans) -> Result) -> Result {
    bytes.withUnsafeBufferPointer { body(Spans(address: self, buffer: $0)) }
  }

  /// The parts of the URL over its lent bytes.
  struct Spans {
    let address: WebAddress
    let buffer: UnsafeBufferPointer<UInt8>

    /// Without user info, port or a trailing dot; in the case written (lookups fold it).
    var host: ByteSpan { buffer[address.hostRange] }

    var path: ByteSpan { buffer[address.pathRange] }

    /// Calls `body` with each `name=value` pair of the query, in order.
    func forEachPair(includingEmpty: Bool = false, _ body: (ByteSpan) -> Void) {
      guard let query = address.queryRange else { return }
      var start = query.lowerBound
      while true {
        var end = start
        while end < query.upperBound && buffer[end] != .ampersand { end += 1 }
        if includingEmpty || start < end { body(buffer[start..<end]) }
        guard end < query.upperBound else { return }
        start = end + 1
      }
    }

    /// Calls `body` with each non-empty path segment (place `path`) and the fragment
    /// (`fragment`), as written.
    func forEachOutsideQuery(_ body: (ByteSpan, String) -> Void) {
      let path = self.path
      var start = path.startIndex
      while start < path.endIndex {
        let end = path[start...].firstIndex(of: .slash) ?? path.endIndex
        if end > start { body(path[start..<end], "path") }
        start = end + 1
      }
      if let hash = address.fragmentStart, hash + 1 < buffer.count {
        body(buffer[(hash + 1)...], "fragment")
      }
    }

    /// Whether some parameter's name satisfies `test`.
    func hasParameter(where test: (ByteSpan) -> Bool) -> Bool {
      var found = false
      forEachPair { pair in
        if !found && test(Self.split(pair).name) { found = true }
      }
      return found
    }

    static func split(_ pair: ByteSpan) -> (name: ByteSpan, value: ByteSpan) {
      guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
        return (pair, pair[pair.endIndex...])
      }
      return (pair[..<equals], pair[(equals + 1)...])
    }
  }

  var hasQuery: Bool { queryRange != nil }

  /// Whether `bytes` begin `http://` or `https://` (any case).
  static func startsWithScheme(_ bytes: ArraySlice<UInt8>) -> Bool {
    let lowered = bytes.prefix(8).map(\.asciiLowercased)
    return lowered.starts(with: Array("http://".utf8))
      || lowered.starts(with: Array("https://".utf8))
  }

  /// `//host/…`, which takes its scheme from the page: not a destination to send a reader to.
  var isProtocolRelative: Bool { bytes.first == .slash }

  /// The `index`th non-empty path segment, counted from 1.
  func pathSegment(_ index: Int) -> ArraySlice<UInt8>? {
    var count = 0
    var rest = bytes[pathRange]
    while let start = rest.firstIndex(where: { $0 != .slash }) {
      let end = rest[start...].firstIndex(of: .slash) ?? rest.endIndex
      count += 1
      if count == index { return rest[start..<end] }
      rest = rest[end...]
    }
    return nil
  }

  /// The value of the first parameter called `name` (ASCII case ignored), as written.
  func parameterValue(_ name: String) -> ArraySlice<UInt8>? {
    let found: Range<Int>? = withSpans { spans in
      var found: Range<Int>?
      spans.forEachPair { pair in
        guard found == nil else { return }
        let (key, value) = Spans.split(pair)
        if key.elementsEqualIgnoringASCIICase(name) { found = value.startIndex..<value.endIndex }
      }
      return found
    }
    return found.map { bytes[$0] }
  }

  /// Whether some parameter's name satisfies `test`.
  func hasParameter(where test: (ByteSpan) -> Bool) -> Bool {
    withSpans { $0.hasParameter(where: test) }
  }

  /// The URL without the query pairs `remove` picks by name and value, every other byte as
  /// it was; nil when nothing was removed. A query left empty loses its `?`. One pass: the
  /// copy starts at the first pair removed, everything before it being kept as written.
  func removingPairs(where remove: ((name: ByteSpan, value: ByteSpan)) -> Bool) -> String? {
    guard queryRange != nil else { return nil }
    return withSpans { spans in
      let buffer = spans.buffer
      var result: [UInt8] = []
      var removedAny = false
      var keptPairs = 0
      spans.forEachPair(includingEmpty: true) { pair in
        let split = Spans.split(pair)
        if !split.name.isEmpty && remove(split) {
          if !removedAny {
            removedAny = true
            result.reserveCapacity(buffer.count)
            result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<pair.startIndex]))
            if keptPairs > 0 { result.removeLast() }  // the `&` before this pair
          }
          return
        }
        if removedAny {
          if keptPairs > 0 { result.append(.ampersand) }
          result.append(contentsOf: UnsafeBufferPointer(rebasing: pair))
        }
        keptPairs += 1
      }
      guard removedAny else { return nil }
      if keptPairs == 0 { result.removeLast() }  // nothing kept: no `?`
      if let fragmentStart {
        result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[fragmentStart...]))
      }
      return String(decoding: result, as: UTF8.self)
    }
  }
}

/// Bytes lent from a buffer for the length of a call.
typealias ByteSpan = Slice<UnsafeBufferPointer<UInt8>>

extension Collection<UInt8> {
  /// ASCII case-insensitive equality with `other`, for schemes, hosts and parameter names.
  func elementsEqualIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
    elementsEqual(other.utf8) { $0.asciiLowercased == $1.asciiLowercased }
  }
}

extension UInt8 {
  static let slash = UInt8(ascii: "/")
  static let question = UInt8(ascii: "?")
  static let hash = UInt8(ascii: "#")
  static let colon = UInt8(ascii: ":")

  public var asciiLowercased: UInt8 {
    self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self
  }
}
