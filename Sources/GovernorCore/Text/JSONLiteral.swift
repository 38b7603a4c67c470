import Foundation

/// JSON text written by hand where `JSONEncoder` would be called once per row of a long
/// listing (dry-run rows, audit exports) or per lookup. One escaper for every hand-written
/// string literal, `CanonicalJSON`'s included, so a literal searched for in a stored record
/// (`AuditChain.codeMarker`) is spelled exactly as the record spells it.
public enum JSONLiteral {
  /// A JSON string literal (RFC 8259 §7), as `JSONEncoder` writes it.
  public static func string(_ text: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count + 2)
    appendQuoted(text, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// `"` and `\` escaped, control characters as `\b \t \n \f \r` or `\u00XX`; everything
  /// else, `/` and non-ASCII included, as it is.
  static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    // Most text needs no escape: runs of plain bytes are copied at once (a forwarded body
    // copied byte by byte was 3% of the SMTP door's CPU).
    var text = text
    text.withUTF8 { utf8 in
      var runStart = 0
      for index in utf8.indices {
        let byte = utf8[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
          continue
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
        escape(byte, into: &bytes)
        runStart = index + 1
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }
    bytes.append(UInt8(ascii: "\""))
  }

  private static func escape(_ byte: UInt8, into bytes: inout [UInt8]) {
    switch byte {
    case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
    case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
    case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
    case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
    case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
    case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
    case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
    default:
      bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
      bytes.append(hexDigits[Int(byte >> 4)])
      bytes.append(hexDigits[Int(byte & 0x0F)])
    }
  }
}
