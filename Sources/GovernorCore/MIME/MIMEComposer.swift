import Crypto
import Foundation

/// One file that goes with a message composed from parts (an ESP API's `attachments`).
public struct MIMEAttachment: Hashable, Sendable {
  /// The file's bytes, base64 as the API carried them (re-wrapped, never decoded and encoded).
  public var base64: String
  public var type: String
  public var filename: String
  /// Shown in the body (`cid:` images) rather than offered as a file.
  public var inline: Bool
  public var contentId: String?

  public init(
    base64: String, type: String, filename: String, inline: Bool = false,
    contentId: String? = nil
  ) {
    self.base64 = base64
    self.type = type
    self.filename = filename
    self.inline = inline
    self.contentId = contentId
  }
}

/// Writes the content of a message that an API described as parts (bodies and attachments),
/// so it can go through the same `MIMESource` path as a message that came whole over SMTP:
/// the bodies are checked and rewritten, the files leave as they came.
public enum MIMEComposer {
  /// `Content-Type` and `MIME-Version` lines, an empty line, then the body: the bodies as
  /// `multipart/alternative` (text first, as RFC 2046 §5.1.4 orders them), inside
  /// `multipart/mixed` with the files.
  public static func content(html: String?, text: String?, attachments: [MIMEAttachment])
    -> [UInt8]
  {
    var out = Array("MIME-Version: 1.0\r\n".utf8)
    let bodies = bodyParts(html: html, text: text)
    let mixed = boundary("mixed", bodies, attachments)
    out += Array("Content-Type: multipart/mixed; boundary=\"\(mixed)\"\r\n\r\n".utf8)
    out += Array("--\(mixed)\r\n".utf8) + bodies
    for file in attachments {
      out += Array("\r\n--\(mixed)\r\n".utf8)
      let disposition = file.inline ? "inline" : "attachment"
      out += Array(
        "Content-Type: \(headerSafe(file.type)); \(parameter("name", file.filename))\r\n".utf8)
      out += Array(
        "Content-Disposition: \(disposition); \(parameter("filename", file.filename))\r\n".utf8)
      if let id = file.contentId {
        out += Array("Content-ID: <\(headerSafe(id))>\r\n".utf8)
      }
      out += Array("Content-Transfer-Encoding: base64\r\n\r\n".utf8)
      out += wrapped(file.base64)
    }
    out += Array("\r\n--\(mixed)--\r\n".utf8)
    return out
  }

  private static func bodyParts(html: String?, text: String?) -> [UInt8] {
    let leaves = [("text/plain", text), ("text/html", html)].compactMap { type, body in
      body.map {
        Array(
          "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n".utf8)
          + MIMEDocument.base64Lines($0)
      }
    }
    if leaves.count == 1 { return leaves[0] }
    let alternative = "alt-" + digest(leaves)
    var out = Array("Content-Type: multipart/alternative; boundary=\"\(alternative)\"\r\n\r\n".utf8)
    for leaf in leaves { out += Array("--\(alternative)\r\n".utf8) + leaf + [0x0D, 0x0A] }
    out += Array("--\(alternative)--".utf8)
    return out
  }

  /// A boundary that no line of the parts can start with: derived from their bytes, so the same
  /// parts compose to the same message (a client's retry is the same message).
  private static func boundary(_ kind: String, _ bodies: [UInt8], _ files: [MIMEAttachment])
    -> String
  {
    "\(kind)-" + digest([bodies] + files.map { Array($0.base64.utf8) })
  }

  /// SHA-256 of the parts: the boundary must differ from every line of the content, and a
  /// client cannot write a line that holds the digest of the content it is part of.
  private static func digest(_ parts: [[UInt8]]) -> String {
    var hash = SHA256()
    for part in parts {
      hash.update(data: Array(String(part.count).utf8) + [0x3A])
      hash.update(data: part)
    }
    return Hex.encode(Array(hash.finalize().prefix(12)))
  }

  /// Base64 as given, whitespace dropped, in lines of 76 (RFC 2045 §6.8).
  private static func wrapped(_ base64: String) -> [UInt8] {
    let bytes = base64.utf8.filter { $0 != 0x20 && $0 != 0x0D && $0 != 0x0A && $0 != 0x09 }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + bytes.count / 38 + 2)
    var start = 0
    while start < bytes.count {
      let end = min(start + 76, bytes.count)
      if start > 0 { out += [0x0D, 0x0A] }
      out += bytes[start..<end]
      start = end
    }
    return out
  }

  /// A parameter as RFC 2231 wants it: quoted when printable ASCII, else `key*=utf-8''…`.
  private static func parameter(_ key: String, _ name: String) -> String {
    if name.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) { return "\(key)=\(quoted(name))" }
    let encoded = name.utf8.map { byte -> String in
      let plain =
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
        || (0x61...0x7A).contains(byte) || Array("!#$&+-.^_`|~".utf8).contains(byte)
      return plain ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
    }.joined()
    return "\(key)*=utf-8''\(encoded)"
  }

  private static func quoted(_ text: String) -> String {
    let safe = headerSafe(text).replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "\"", with: "\\\"")
    return "\"\(safe)\""
  }

  /// No line breaks or other control characters in a header line written from a client's
  /// field: they would start a header of the client's choosing.
  private static func headerSafe(_ text: String) -> String {
    String(
      String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
  }
}
