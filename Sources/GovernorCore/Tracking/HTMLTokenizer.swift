import Foundation

/// The HTML tokenizer's rules (WHATWG §13.2.5) for where tags, comments and raw text begin
/// and end, over UTF-8 bytes, without building tokens: the rewriter only needs spans. Written
/// by hand: no listed library parses HTML, and a DOM would cost the byte-for-byte copy.
enum HTMLTokenizer {
  /// One attribute of a tag the tracking rules read, as offsets into the input.
  struct Attribute {
    var name: KnownAttribute
    /// The value without its quotes; nil for a bare attribute (`hidden`).
    var value: Range<Int>?
    /// `"` or `'`, or 0 for an unquoted or missing value.
    var quote: UInt8
    /// From the whitespace before the name to the end of the value and its closing quote:
    /// what is cut when the attribute is removed.
    var whole: Range<Int>
  }

  /// Parses a start or end tag whose name starts at `nameStart`. Only the attributes the
  /// tracking rules read are kept, in `attributes`, and noted in `known`; the others are
  /// passed over (most attributes of a mail are `class`, `align`, `border`, …).
  /// Returns the end of the name and the offset just past `>`, or nil if the tag does not end
  /// before `limit` (end of input in a tag: §13.2.5.6 says it is dropped; we copy it).
  static func tag(
    _ bytes: UnsafeBufferPointer<UInt8>, nameStart: Int, limit: Int,
    attributes: inout [Attribute], known: inout KnownAttributes
  ) -> (nameEnd: Int, end: Int)? {
    if !attributes.isEmpty { attributes.removeAll(keepingCapacity: true) }
    known.removeAll()
    var index = nameStart
    while index < limit && !bytes[index].endsTagName { index += 1 }
    let nameEnd = index
    while true {
      // Before attribute name (§13.2.5.32); a `/` not followed by `>` is ignored
      // (self-closing start tag state, §13.2.5.40).
      let gapStart = index
      while index < limit {
        let byte = bytes[index]
        if byte.isHTMLSpace {
          index += 1
        } else if byte == .slash && !(index + 1 < limit && bytes[index + 1] == .greaterThan) {
          index += 1
        } else {
          break
        }
      }
      guard index < limit else { return nil }
      if bytes[index] == .slash { return (nameEnd, index + 2) }
      if bytes[index] == .greaterThan { return (nameEnd, index + 1) }
      // Attribute name (§13.2.5.33): the first character may be anything, even `=`.
      let attributeName = index
      index += 1
      while index < limit && !bytes[index].endsAttributeName { index += 1 }
      let name = KnownAttribute(bytes, attributeName..<index)
      let attributeNameEnd = index
      while index < limit && bytes[index].isHTMLSpace { index += 1 }
      guard index < limit else { return nil }
      let value: Range<Int>?
      var quote: UInt8 = 0
      let wholeEnd: Int
      var tagEnd: Int?
      if bytes[index] != .equals {
        value = nil
        wholeEnd = attributeNameEnd
      } else {
        index += 1
        while index < limit && bytes[index].isHTMLSpace { index += 1 }
        guard index < limit else { return nil }
        let first = bytes[index]
        if first == .doubleQuote || first == .singleQuote {
          guard let close = find(first, bytes, from: index + 1, to: limit) else { return nil }
          quote = first
          value = (index + 1)..<close
          index = close + 1
        } else if first == .greaterThan {
          // Missing attribute value (§13.2.5.36): the tag ends here.
          value = index..<index
          tagEnd = index + 1
        } else {
          let valueStart = index
          while index < limit && !bytes[index].endsUnquotedValue { index += 1 }
          guard index < limit else { return nil }
          value = valueStart..<index
        }
        wholeEnd = index
      }
      if let name, known.note(name, at: attributes.count) {
        attributes.append(
          Attribute(name: name, value: value, quote: quote, whole: gapStart..<wholeEnd))
      }
      if let tagEnd { return (nameEnd, tagEnd) }
    }
  }

  /// The end of a comment whose `<!--` is at `open` (§13.2.5.43–52): just past `-->` or
  /// `--!>`, or the abrupt `<!-->` and `<!--->`. Nil if it does not end before `limit`.
  static func commentEnd(_ bytes: UnsafeBufferPointer<UInt8>, open: Int, limit: Int) -> Int? {
    let data = open + 4
    if data < limit && bytes[data] == .greaterThan { return data + 1 }
    if data + 1 < limit && bytes[data] == .dash && bytes[data + 1] == .greaterThan {
      return data + 2
    }
    var index = data
    while let dash = find(.dash, bytes, from: index, to: limit) {
      guard dash + 2 < limit else { return nil }
      if bytes[dash + 1] == .dash {
        if bytes[dash + 2] == .greaterThan { return dash + 3 }
        if bytes[dash + 2] == .exclamation && dash + 3 < limit && bytes[dash + 3] == .greaterThan {
          return dash + 4
        }
      }
      index = dash + 1
    }
    return nil
  }

  /// Where the raw text of an element named `name` ends: the `<` of the first `</name`
  /// followed by whitespace, `/` or `>` (§13.2.5.11–13). Nil if not before `limit`.
  /// Script's escaped states (`<!--<script>` inside a script) are not followed: the rewriter
  /// leaves script text alone, and mail clients drop scripts.
  static func rawTextEnd(
    _ bytes: UnsafeBufferPointer<UInt8>, name: Range<Int>, from start: Int, limit: Int
  ) -> Int? {
    var index = start
    let length = name.count
    while let open = find(.lessThan, bytes, from: index, to: limit) {
      let after = open + 2 + length
      guard after < limit else { return nil }
      if bytes[open + 1] == .slash && equalsIgnoringCase(bytes, (open + 2)..<after, bytes, name) {
        let next = bytes[after]
        if next.isHTMLSpace || next == .slash || next == .greaterThan { return open }
      }
      index = open + 1
    }
    return nil
  }

  static func find(_ byte: UInt8, _ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
    guard from < to, let base = bytes.baseAddress else { return nil }
    guard let found = memchr(base + from, Int32(byte), to - from) else { return nil }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
  }

  static func equalsIgnoringCase(
    _ left: UnsafeBufferPointer<UInt8>, _ leftRange: Range<Int>,
    _ right: UnsafeBufferPointer<UInt8>, _ rightRange: Range<Int>
  ) -> Bool {
    guard leftRange.count == rightRange.count else { return false }
    var offset = 0
    while offset < leftRange.count {
      if lowercased(left[leftRange.lowerBound + offset])
        != lowercased(right[rightRange.lowerBound + offset])
      {
        return false
      }
      offset += 1
    }
    return true
  }

  /// Whether `bytes[range]` is `name` (given in lowercase ASCII), ignoring ASCII case.
  static func `is`(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ name: StaticString)
    -> Bool
  {
    guard range.count == name.utf8CodeUnitCount else { return false }
    let expected = name.utf8Start
    var offset = 0
    while offset < range.count {
      if lowercased(bytes[range.lowerBound + offset]) != expected[offset] { return false }
      offset += 1
    }
    return true
  }

  static func hasPrefix(
    _ bytes: UnsafeBufferPointer<UInt8>, at start: Int, limit: Int, _ prefix: StaticString
  ) -> Bool {
    let count = prefix.utf8CodeUnitCount
    guard start + count <= limit else { return false }
    return `is`(bytes, start..<(start + count), prefix)
  }

  @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
  }
}

extension UInt8 {
  // Every byte that ends a name or value is at most `>` (0x3E); letters and most other bytes
  // are above it, so the first comparison settles nearly every byte of a tag.

  fileprivate var endsTagName: Bool {
    self <= .greaterThan && (isHTMLSpace || self == .slash || self == .greaterThan)
  }

  fileprivate var endsAttributeName: Bool {
    self <= .greaterThan
      && (isHTMLSpace || self == .slash || self == .greaterThan || self == .equals)
  }

  fileprivate var endsUnquotedValue: Bool {
    self <= .greaterThan && (isHTMLSpace || self == .greaterThan)
  }

  static let lessThan = UInt8(ascii: "<")
  static let greaterThan = UInt8(ascii: ">")
  static let equals = UInt8(ascii: "=")
  static let dash = UInt8(ascii: "-")
  static let exclamation = UInt8(ascii: "!")
  static let doubleQuote = UInt8(ascii: "\"")
  static let singleQuote = UInt8(ascii: "'")
}
