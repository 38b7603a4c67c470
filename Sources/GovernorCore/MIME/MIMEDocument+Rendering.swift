import Foundation

extension MIMEDocument {
  /// The message's content as it leaves: its `Content-*` header lines, an empty line, then
  /// the body, with the HTML and text bodies replaced by `html` and `text` where those differ
  /// from what came. A replaced body is written as UTF-8 in base64; every other byte — other
  /// parts, their headers, preamble, boundaries — is the sender's own. The message's other
  /// headers are not part of this: the caller writes them, from the message's fields.
  public func entity(html: String?, text: String?) throws(MIMEError) -> [UInt8] {
    let bodies = try bodies()
    var replacements: [Range<Int>: String] = [:]
    if let part = bodies.html, let html, try self.text(of: part) != html {
      replacements[part.range] = html
    }
    if let part = bodies.text, let text, try self.text(of: part) != text {
      replacements[part.range] = text
    }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 1_024)
    let topFields = root.headers.filter { $0.name.lowercased().hasPrefix("content-") }
    if let replacement = replacements[root.range] {
      out += Self.replacedHeaders(root, contentFieldsOnly: true, in: bytes)
      out += [0x0D, 0x0A]
      out += Self.base64Lines(replacement) + [0x0D, 0x0A]
    } else {
      for field in topFields { out += bytes[field.range] }
      if topFields.last.map({ bytes[$0.range].last != 0x0A }) ?? false { out += [0x0D, 0x0A] }
      out += [0x0D, 0x0A]
      render(root, replacements, into: &out, bodyOnly: true)
    }
    return out
  }

  /// `part` (or only its body) into `out`, copying every byte outside a replaced leaf.
  private func render(
    _ part: MIMEPart, _ replacements: [Range<Int>: String], into out: inout [UInt8],
    bodyOnly: Bool
  ) {
    let range = bodyOnly ? part.bodyRange : part.range
    if let replacement = replacements[part.range] {
      // A part that ends the message right after its delimiter, with no line break: its new
      // header lines need one, or they would run on from the delimiter line.
      if let last = out.last, last != 0x0A { out += [0x0D, 0x0A] }
      out += Self.replacedHeaders(part, contentFieldsOnly: false, in: bytes)
      out += [0x0D, 0x0A]
      out += Self.base64Lines(replacement)
      // The line break before a delimiter belongs to it, but an empty part has none of its
      // own (the delimiter follows the previous one's line end): give the new body one, or
      // the next delimiter would run on from its last line.
      let next = part.range.upperBound
      if next < bytes.count, bytes[next] != 0x0D, bytes[next] != 0x0A { out += [0x0D, 0x0A] }
      return
    }
    // Containment, not `overlaps`: an empty part (a delimiter right before the next one) has
    // an empty range, which overlaps nothing.
    let touched = part.parts.contains { child in
      replacements.keys.contains {
        child.range.lowerBound <= $0.lowerBound && $0.upperBound <= child.range.upperBound
      }
    }
    guard touched else {
      out += bytes[range]
      return
    }
    var cursor = range.lowerBound
    for child in part.parts {
      out += bytes[cursor..<child.range.lowerBound]
      render(child, replacements, into: &out, bodyOnly: false)
      cursor = child.range.upperBound
    }
    out += bytes[cursor..<range.upperBound]
  }

  /// A replaced leaf's header lines: its own, but for the type's charset and the transfer
  /// encoding, which now describe the UTF-8 base64 body.
  static func replacedHeaders(_ part: MIMEPart, contentFieldsOnly: Bool, in bytes: [UInt8])
    -> [UInt8]
  {
    var out: [UInt8] = []
    for field in part.headers {
      let name = field.name.lowercased()
      if name == "content-type" || name == "content-transfer-encoding" { continue }
      if contentFieldsOnly && !name.hasPrefix("content-") { continue }
      out += bytes[field.range]
      if bytes[field.range].last != 0x0A { out += [0x0D, 0x0A] }
    }
    out += Array("Content-Type: \(part.contentType.value); charset=utf-8\r\n".utf8)
    out += Array("Content-Transfer-Encoding: base64\r\n".utf8)
    return out
  }

  /// RFC 2045 §6.8: lines of 76 characters.
  static func base64Lines(_ text: String) -> [UInt8] {
    let encoded = Data(text.utf8).base64EncodedData(options: [
      .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
    ])
    return Array(encoded)
  }
}
