/// `url(…)` references in CSS text, found by the CSS syntax rules for URL tokens (CSS Syntax 3
/// §4.3.6) closely enough to cut them out. Written by hand: no listed library parses CSS.
/// Escapes inside a URL are not decoded; a tracker hiding behind one is still caught by its
/// tiny size when it is an image.
enum CSSURLs {
  struct Reference {
    /// From `url` to the closing `)`.
    var span: Range<Int>
    var url: String
  }

  /// What a removed `url(…)` becomes: every property that takes an image accepts `none`.
  static let none = Array("none".utf8)

  static func find(in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [Reference] {
    var found: [Reference] = []
    var index = range.lowerBound
    let limit = range.upperBound
    while let paren = HTMLTokenizer.find(UInt8(ascii: "("), bytes, from: index, to: limit) {
      index = paren + 1
      let start = paren - 3
      guard start >= range.lowerBound,
        HTMLTokenizer.is(bytes, start..<paren, "url"),
        start == range.lowerBound || !isNameByte(bytes[start - 1])
      else { continue }
      var cursor = paren + 1
      while cursor < limit && bytes[cursor].isHTMLSpace { cursor += 1 }
      guard cursor < limit else { break }
      let urlRange: Range<Int>
      let quote = bytes[cursor]
      if quote == .doubleQuote || quote == .singleQuote {
        guard let close = HTMLTokenizer.find(quote, bytes, from: cursor + 1, to: limit) else {
          break
        }
        urlRange = (cursor + 1)..<close
        cursor = close + 1
        while cursor < limit && bytes[cursor].isHTMLSpace { cursor += 1 }
        guard cursor < limit, bytes[cursor] == UInt8(ascii: ")") else { continue }
      } else {
        guard let close = HTMLTokenizer.find(UInt8(ascii: ")"), bytes, from: cursor, to: limit)
        else { break }
        var end = close
        while end > cursor && bytes[end - 1].isHTMLSpace { end -= 1 }
        urlRange = cursor..<end
        cursor = close
      }
      let url = String(decoding: UnsafeBufferPointer(rebasing: bytes[urlRange]), as: UTF8.self)
      found.append(Reference(span: start..<(cursor + 1), url: url))
      index = cursor + 1
    }
    return found
  }

  private static func isNameByte(_ byte: UInt8) -> Bool {
    byte.isASCIIAlphanumeric || byte == .dash || byte == UInt8(ascii: "_") || byte >= 0x80
  }
}
