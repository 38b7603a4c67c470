/// Character references in attribute values, decoded as the HTML tokenizer does (WHATWG
/// §13.2.5.72–80) so a URL is judged by what the mail client will request. Written by hand: no
/// listed library parses HTML.
///
/// The named references are the subset that appears in URLs and CSS; any other named
/// reference is left as written, which changes nothing the tracking rules look at.
enum CharacterReferences {
  static let named: [String: String] = [
    "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
    "copy": "©", "reg": "®", "equals": "=", "quest": "?", "num": "#", "percnt": "%",
    "sol": "/", "colon": ":", "period": ".", "lowbar": "_", "plus": "+", "commat": "@",
    "lpar": "(", "rpar": ")", "semi": ";", "comma": ",", "excl": "!", "dollar": "$",
    "ast": "*", "hyphen": "-", "dash": "‐", "tilde": "~", "Tab": "\t", "NewLine": "\n",
  ]
  /// Legacy references a browser decodes even without the `;`.
  static let legacy: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]

  /// Windows-1252 meanings the tokenizer gives numeric references 0x80–0x9F.
  static let c1: [UInt32: UInt32] = [
    0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020,
    0x87: 0x2021, 0x88: 0x02C6, 0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152,
    0x8E: 0x017D, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C, 0x94: 0x201D, 0x95: 0x2022,
    0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A,
    0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
  ]

  /// The attribute value as the browser sees it.
  static func decodeAttribute(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
    String(decoding: decodedBytes(bytes, range), as: UTF8.self)
  }

  static func trimmingHTMLSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>)
    -> Range<Int>
  {
    var start = range.lowerBound
    var end = range.upperBound
    while start < end && bytes[start].isHTMLSpace { start += 1 }
    while end > start && bytes[end - 1].isHTMLSpace { end -= 1 }
    return start..<end
  }

  static func decodedBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
    var result: [UInt8] = []
    appendDecoded(bytes, range, to: &result)
    return result
  }

  /// Appends the decoded value to `result`, so a caller can reuse one buffer for every value.
  static func appendDecoded(
    _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to result: inout [UInt8]
  ) {
    guard let first = firstAmpersand(bytes, range) else {
      result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
      return
    }
    result.reserveCapacity(result.count + range.count)
    var copied = range.lowerBound
    var next: Int? = first
    while let ampersand = next {
      result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<ampersand]))
      copied = ampersand + 1
      // `&amp;` is nearly every reference in a link: read without a table lookup.
      if ampersand + 4 < range.upperBound && bytes[ampersand + 1] == UInt8(ascii: "a")
        && bytes[ampersand + 2] == UInt8(ascii: "m") && bytes[ampersand + 3] == UInt8(ascii: "p")
        && bytes[ampersand + 4] == UInt8(ascii: ";")
      {
        result.append(.ampersand)
        copied = ampersand + 5
      } else if let (text, end) = reference(bytes, at: ampersand, end: range.upperBound) {
        result.append(contentsOf: text.utf8)
        copied = end
      } else {
        result.append(.ampersand)
      }
      next = HTMLTokenizer.find(.ampersand, bytes, from: copied, to: range.upperBound)
    }
    result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<range.upperBound]))
  }

  /// Appends `value` as text to write back into an attribute quoted with `quote` (straight
  /// into the rewriter's output). `&` is escaped where the original did, or where it would
  /// start a reference; otherwise left bare, so a cleaned link looks like the one the author
  /// wrote.
  static func appendEncodedAttribute(
    _ value: String, quote: UInt8, escapeAllAmpersands: Bool, to result: inout [UInt8]
  ) {
    var value = value
    value.withUTF8 { buffer in
      result.reserveCapacity(result.count + buffer.count + 8)
      var copied = 0
      for index in buffer.indices {
        let byte = buffer[index]
        let escaped: StaticString
        switch byte {
        case .ampersand:
          guard escapeAllAmpersands || reference(buffer, at: index, end: buffer.count) != nil
          else { continue }
          escaped = "&amp;"
        case UInt8(ascii: "\"") where quote == UInt8(ascii: "\""): escaped = "&quot;"
        case UInt8(ascii: "'") where quote == UInt8(ascii: "'"): escaped = "&#39;"
        default: continue
        }
        result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied..<index]))
        result.append(
          contentsOf: UnsafeBufferPointer(
            start: escaped.utf8Start, count: escaped.utf8CodeUnitCount))
        copied = index + 1
      }
      result.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied...]))
    }
  }

  static func firstAmpersand(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
    HTMLTokenizer.find(.ampersand, bytes, from: range.lowerBound, to: range.upperBound)
  }

  /// The reference starting at `start` (an `&`) and the index after it, or nil when the `&`
  /// is literal text.
  private static func reference(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int)
    -> (String, Int)?
  {
    var index = start + 1
    guard index < end else { return nil }
    if bytes[index] == UInt8(ascii: "#") { return numeric(bytes, at: index + 1, end: end) }
    let nameStart = index
    while index < end, index - nameStart < 32, bytes[index].isASCIIAlphanumeric { index += 1 }
    guard index > nameStart else { return nil }
    let name = String(
      decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<index]), as: UTF8.self)
    if index < end, bytes[index] == UInt8(ascii: ";") {
      return named[name].map { ($0, index + 1) }
    }
    // §13.2.5.73: in an attribute, a reference without `;` followed by `=` or an alphanumeric
    // is text, so `?a=1&copy=2` keeps its parameter.
    guard legacy.contains(name), let text = named[name] else { return nil }
    if index < end && (bytes[index] == UInt8(ascii: "=") || bytes[index].isASCIIAlphanumeric) {
      return nil
    }
    return (text, index)
  }

  private static func numeric(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int)
    -> (String, Int)?
  {
    var index = start
    var hex = false
    if index < end, bytes[index] | 0x20 == UInt8(ascii: "x") {
      hex = true
      index += 1
    }
    let digitsStart = index
    var value: UInt32 = 0
    while index < end {
      let byte = bytes[index]
      let digit: UInt32
      if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        digit = UInt32(byte - UInt8(ascii: "0"))
      } else if hex, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "f") {
        digit = UInt32((byte | 0x20) - UInt8(ascii: "a") + 10)
      } else {
        break
      }
      value = min(value &* (hex ? 16 : 10) &+ digit, 0x11_0000)
      index += 1
    }
    guard index > digitsStart else { return nil }
    if index < end, bytes[index] == UInt8(ascii: ";") { index += 1 }
    let scalar: Unicode.Scalar
    if let mapped = c1[value] {
      scalar = Unicode.Scalar(mapped) ?? "\u{FFFD}"
    } else if value == 0 {
      scalar = "\u{FFFD}"
    } else {
      scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
    }
    return (String(Character(scalar)), index)
  }
}

extension UInt8 {
  static let ampersand = UInt8(ascii: "&")

  var isASCIIAlphanumeric: Bool {
    (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9")) || isASCIILetter
  }

  var isASCIILetter: Bool {
    let lower = self | 0x20
    return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")
  }

  /// HTML's ASCII whitespace: tab, line feed, form feed, carriage return, space.
  var isHTMLSpace: Bool {
    self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0C || self == 0x0D
  }
}
