import Foundation

/// JSON text written by hand where `JSONEncoder` would be called once per row of a long
/// listing (dry-run rows, audit exports) or per lookup.
public enum JSONLiteral {
  /// A JSON string literal (RFC 8259 §7).
  public static func string(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        result += String(format: "\\u%04x", scalar.value)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
