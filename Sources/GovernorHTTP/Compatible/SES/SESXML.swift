import Foundation

/// The few XML answers of SES's v1 Query API, written by hand: two fixed shapes, where an
/// encoder (XMLCoder) would add a dependency for less than the escaping below.
enum SESXML {
  static let namespace = "http://ses.amazonaws.com/doc/2010-12-01/"

  static func document(_ root: String, _ inner: String) -> String {
    #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
      + #"<\#(root) xmlns="\#(namespace)">\#(inner)</\#(root)>"#
  }

  static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      // Not allowed in XML 1.0 at all.
      case _ where scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r":
        out += "?"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
