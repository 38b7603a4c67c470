import Foundation

/// Bytes in a declared charset as text. Only charsets whose every byte sequence this code
/// decodes exactly: text the rewriter changes is written back as UTF-8, so a charset read
/// only approximately would alter the parts it did not mean to touch.
public enum TextCharset {
  /// Nil for a charset not known here, or bytes that are not valid in it.
  public static func decode(_ bytes: [UInt8], charset: String) -> String? {
    switch charset.lowercased().trimmingWhitespace() {
    case "utf-8", "utf8", "us-ascii", "ascii", "":
      return String(validating: bytes, as: UTF8.self)
    case "iso-8859-1", "latin1", "iso_8859-1", "l1":
      return String(bytes.map { Character(Unicode.Scalar($0)) })
    case "windows-1252", "cp1252":
      return String(data: Data(bytes), encoding: .windowsCP1252)
    default:
      return nil
    }
  }

  public static func isKnown(_ charset: String) -> Bool {
    decode([], charset: charset) != nil
  }
}

/// Content-Transfer-Encoding (RFC 2045 §6) decoding.
public enum TransferEncoding {
  /// The body's bytes; nil for an encoding not defined by RFC 2045.
  public static func decode(_ body: ArraySlice<UInt8>, encoding: String) -> [UInt8]? {
    switch encoding.lowercased() {
    case "", "7bit", "8bit", "binary": return Array(body)
    case "base64": return base64(body)
    case "quoted-printable": return quotedPrintable(body)
    default: return nil
    }
  }

  /// Lenient as RFC 2045 §6.8 asks: characters outside the alphabet (line breaks) are skipped.
  static func base64(_ body: ArraySlice<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(body.count * 3 / 4)
    var accumulator: UInt32 = 0
    var bits = 0
    for byte in body {
      let value: UInt32
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
      case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a") + 26)
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0") + 52)
      case UInt8(ascii: "+"): value = 62
      case UInt8(ascii: "/"): value = 63
      case UInt8(ascii: "="): return out
      default: continue
      }
      accumulator = accumulator << 6 | value
      bits += 6
      if bits >= 8 {
        bits -= 8
        out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
      }
    }
    return out
  }

  /// RFC 2045 §6.7: `=XX` is a byte, `=` at a line's end is a soft break, white space before a
  /// line end is padding.
  static func quotedPrintable(_ body: ArraySlice<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(body.count)
    var index = body.startIndex
    var pendingSpace: [UInt8] = []
    while index < body.endIndex {
      let byte = body[index]
      switch byte {
      case 0x20, 0x09:
        pendingSpace.append(byte)
        index += 1
        continue
      case 0x0D, 0x0A:
        pendingSpace.removeAll()
        out.append(byte)
        index += 1
        continue
      default:
        out += pendingSpace
        pendingSpace.removeAll()
      }
      if byte == UInt8(ascii: "=") {
        let rest = body[(index + 1)...]
        if rest.count >= 2, let high = hexValue(rest[rest.startIndex]),
          let low = hexValue(rest[rest.startIndex + 1])
        {
          out.append(high << 4 | low)
          index += 3
          continue
        }
        // A soft line break: `=`, optional padding, then the line end.
        var probe = index + 1
        while probe < body.endIndex, body[probe] == 0x20 || body[probe] == 0x09 { probe += 1 }
        if probe == body.endIndex {
          index = probe
          continue
        }
        if body[probe] == 0x0A || body[probe] == 0x0D {
          if body[probe] == 0x0D, probe + 1 < body.endIndex, body[probe + 1] == 0x0A { probe += 1 }
          index = probe + 1
          continue
        }
      }
      out.append(byte)
      index += 1
    }
    out += pendingSpace
    return out
  }
}

/// RFC 2047 encoded-words (`=?utf-8?Q?…?=`, `=?iso-8859-1?B?…?=`) in an unstructured header
/// such as Subject, decoded; white space between two adjacent encoded-words is dropped, as
/// §6.2 asks. A word in an unknown charset stays as it was written.
public enum EncodedWords {
  public static func decode(_ value: String) -> String {
    guard value.contains("=?") else { return value }
    var result = ""
    var pendingSpace = ""
    var previousWasEncoded = false
    var rest = Substring(value)
    while !rest.isEmpty {
      if rest.hasPrefix("=?"), let (text, length) = word(rest) {
        if !previousWasEncoded { result += pendingSpace }
        pendingSpace = ""
        result += text
        rest = rest.dropFirst(length)
        previousWasEncoded = true
        continue
      }
      let character = rest.removeFirst()
      if character == " " || character == "\t" {
        pendingSpace.append(character)
      } else {
        result += pendingSpace
        pendingSpace = ""
        result.append(character)
        previousWasEncoded = false
      }
    }
    return result + pendingSpace
  }

  /// The decoded text of the encoded-word at the start of `text`, and its length in characters.
  static func word(_ text: Substring) -> (String, Int)? {
    let parts = text.dropFirst(2).split(
      separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
    guard parts.count == 4, parts[3].hasPrefix("="), parts[2].count <= 75 * 4 else { return nil }
    // RFC 2231 §5: a language may follow the charset after `*`.
    let charset = String(parts[0].split(separator: "*").first ?? "")
    let encoded = parts[2]
    let bytes: [UInt8]
    switch parts[1].uppercased() {
    case "B":
      bytes = TransferEncoding.base64(Array(encoded.utf8)[...])
    case "Q":
      let underscored = Array(encoded.utf8).map { $0 == UInt8(ascii: "_") ? 0x20 : $0 }
      bytes = TransferEncoding.quotedPrintable(underscored[...])
    default:
      return nil
    }
    guard let decoded = TextCharset.decode(bytes, charset: charset) else { return nil }
    let length = 2 + parts[0].count + 1 + parts[1].count + 1 + parts[2].count + 2
    return (decoded, length)
  }
}
