import Foundation

/// One header field of a message or a part: its name, its value unfolded (still RFC 2047
/// encoded where the sender encoded it), and where the field's lines sit in the source.
public struct MIMEHeader: Hashable, Sendable {
  public var name: String
  public var value: String
  /// The field's bytes, continuation lines and their line ends included.
  public var range: Range<Int>

  /// Field names are ASCII (RFC 5322 §2.2) and compared without case, byte by byte:
  /// Foundation's `caseInsensitiveCompare` goes through CFString for every lookup.
  public static func sameName(_ one: String, _ other: String) -> Bool {
    one.utf8.count == other.utf8.count
      && zip(one.utf8, other.utf8).allSatisfy { lowerASCII($0) == lowerASCII($1) }
  }

  private static func lowerASCII(_ byte: UInt8) -> UInt8 {
    (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
  }

  /// Lines up to the first empty line, each field with its continuation lines; the offset of
  /// the body after the empty line (the end when there is none). CRLF and a bare LF both end
  /// a line: mail written by tools arrives with either.
  static func block(_ bytes: [UInt8], in range: Range<Int>) -> (fields: [MIMEHeader], body: Int) {
    var fields: [MIMEHeader] = []
    var index = range.lowerBound
    var fieldStart: Int?
    var fieldText: [UInt8] = []
    func finish(at end: Int) {
      guard let start = fieldStart else { return }
      if let colon = fieldText.firstIndex(of: UInt8(ascii: ":")) {
        let name = String(
          String(decoding: fieldText[..<colon], as: UTF8.self).trimmingWhitespace())
        let value = String(
          String(decoding: fieldText[(colon + 1)...], as: UTF8.self).trimmingWhitespace())
        if !name.isEmpty { fields.append(MIMEHeader(name: name, value: value, range: start..<end)) }
      }
      fieldStart = nil
      fieldText.removeAll(keepingCapacity: true)
    }
    while index < range.upperBound {
      let lineEnd = bytes[index..<range.upperBound].firstIndex(of: 0x0A) ?? range.upperBound
      let next = min(lineEnd + 1, range.upperBound)
      var contentEnd = lineEnd
      if contentEnd > index, bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
      if contentEnd == index {
        finish(at: index)
        return (fields, next)
      }
      let first = bytes[index]
      if first == 0x20 || first == 0x09, fieldStart != nil {
        // RFC 5322 §2.2.3: unfolding removes the line break, not the white space.
        fieldText += bytes[index..<contentEnd]
      } else {
        finish(at: index)
        fieldStart = index
        fieldText += bytes[index..<contentEnd]
      }
      index = next
    }
    finish(at: range.upperBound)
    return (fields, range.upperBound)
  }
}

extension [MIMEHeader] {
  /// The first field of this name, case-insensitively.
  public func first(_ name: String) -> MIMEHeader? {
    first { MIMEHeader.sameName($0.name, name) }
  }
}

/// A `Content-Type` or `Content-Disposition` value: the token before the first `;` (lowercased)
/// and its parameters (names lowercased), quoted strings unquoted and RFC 2231 extended values
/// (`filename*=utf-8''…`, also split as `name*0*=`) decoded.
public struct MIMEParameters: Hashable, Sendable {
  public var value: String
  public var parameters: [String: String]

  public init(_ field: String) {
    let bytes = Array(field.utf8)
    var index = 0
    func skipSpace() {
      while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }
    func token() -> String {
      let start = index
      while index < bytes.count, bytes[index] != UInt8(ascii: ";"),
        bytes[index] != UInt8(ascii: "=")
      {
        index += 1
      }
      return String(String(decoding: bytes[start..<index], as: UTF8.self).trimmingWhitespace())
    }
    let start = index
    while index < bytes.count, bytes[index] != UInt8(ascii: ";") { index += 1 }
    value = String(decoding: bytes[start..<index], as: UTF8.self).trimmingWhitespace()
      .lowercased()
    var plain: [String: String] = [:]
    var extended: [String: [(Int, String, Bool)]] = [:]
    while index < bytes.count {
      index += 1  // the `;`
      skipSpace()
      let name = token().lowercased()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
      index += 1
      skipSpace()
      var text: [UInt8] = []
      if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
        index += 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
          if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
          text.append(bytes[index])
          index += 1
        }
        index += 1
        while index < bytes.count, bytes[index] != UInt8(ascii: ";") { index += 1 }
      } else {
        while index < bytes.count, bytes[index] != UInt8(ascii: ";") {
          text.append(bytes[index])
          index += 1
        }
        while let last = text.last, last == 0x20 || last == 0x09 { text.removeLast() }
      }
      let value = String(decoding: text, as: UTF8.self)
      // RFC 2231: `name*` is percent-encoded with a charset; `name*0`, `name*1`… continue it.
      if let star = name.firstIndex(of: "*") {
        let base = String(name[..<star])
        let rest = name[name.index(after: star)...]
        let encoded = rest.hasSuffix("*") || rest.isEmpty
        let number = Int(rest.filter(\.isNumber)) ?? 0
        extended[base, default: []].append((number, value, encoded))
      } else if plain[name] == nil {
        plain[name] = value
      }
    }
    for (name, pieces) in extended {
      var charset: String?
      var decoded: [UInt8] = []
      for (number, piece, encoded) in pieces.sorted(by: { $0.0 < $1.0 }) {
        var text = Substring(piece)
        if encoded, number == 0 {
          let parts = piece.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
          if parts.count == 3 {
            charset = parts[0].lowercased()
            text = parts[2]
          }
        }
        decoded += encoded ? Self.percentDecoded(text) : Array(text.utf8)
      }
      plain[name] = TextCharset.decode(decoded, charset: charset ?? "utf-8") ?? plain[name]
    }
    parameters = plain
  }

  static func percentDecoded(_ text: Substring) -> [UInt8] {
    var out: [UInt8] = []
    var bytes = Array(text.utf8)[...]
    while let byte = bytes.popFirst() {
      if byte == UInt8(ascii: "%"), bytes.count >= 2,
        let high = hexValue(bytes[bytes.startIndex]),
        let low = hexValue(bytes[bytes.startIndex + 1])
      {
        out.append(high << 4 | low)
        bytes = bytes.dropFirst(2)
      } else {
        out.append(byte)
      }
    }
    return out
  }
}

func hexValue(_ byte: UInt8) -> UInt8? {
  switch byte {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
  case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
  case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
  default: nil
  }
}
