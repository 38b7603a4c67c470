import Foundation

/// A MIME message (RFC 2045–2049) parsed for what the governor needs: its one HTML and one
/// text body to check and rewrite, its other parts to forward as they came, and the byte range
/// of everything so that what no rule touched leaves byte for byte.
///
/// Written by hand: no package in the mirror parses MIME (multipart-kit reads form uploads,
/// without transfer encodings, charsets or byte ranges).
public struct MIMEDocument: Hashable, Sendable {
  public let bytes: [UInt8]
  /// The message as a part: its headers are the message's.
  public let root: MIMEPart

  /// Deeper nesting than any mail program writes: a bound, so hostile input cannot exhaust
  /// the stack.
  public static let deepestNesting = 24
  public static let mostParts = 2_000

  public init(_ bytes: [UInt8]) throws(MIMEError) {
    self.bytes = bytes
    var count = 0
    root = try MIMEPart.parse(bytes, range: 0..<bytes.count, depth: 0, count: &count)
    _ = try bodies()
  }

  /// The message's top-level headers.
  public var headers: [MIMEHeader] { root.headers }

  /// The inline `text/html` and `text/plain` leaves: what a reader sees and the rules check.
  /// More than one of a kind is refused: the governor checks one of each, and a second one
  /// would leave unchecked.
  public func bodies() throws(MIMEError) -> (html: MIMEPart?, text: MIMEPart?) {
    var html: MIMEPart?
    var text: MIMEPart?
    for leaf in root.leaves where leaf.isInlineText {
      if leaf.contentType.value == "text/html" {
        guard html == nil else { throw .severalBodies("text/html") }
        html = leaf
      } else {
        guard text == nil else { throw .severalBodies("text/plain") }
        text = leaf
      }
    }
    return (html, text)
  }

  /// A leaf's content as text, decoded from its transfer encoding and charset.
  public func text(of part: MIMEPart) throws(MIMEError) -> String {
    guard let decoded = content(of: part) else {
      throw .unknownEncoding(part.transferEncoding)
    }
    let charset = part.contentType.parameters["charset"] ?? "us-ascii"
    guard let text = TextCharset.decode(decoded, charset: charset) else {
      throw TextCharset.isKnown(charset) ? .notInCharset(charset) : .unknownCharset(charset)
    }
    return text
  }

  /// A leaf's content, decoded from its transfer encoding.
  public func content(of part: MIMEPart) -> [UInt8]? {
    TransferEncoding.decode(bytes[part.bodyRange], encoding: part.transferEncoding)
  }

  /// The leaves that are neither body: attachments and inline images, in order.
  public var attachments: [MIMEPart] {
    let bodies = try? bodies()
    let skipped = Set([bodies?.html?.range, bodies?.text?.range].compactMap { $0 })
    return root.leaves.filter { !skipped.contains($0.range) }
  }
}

/// One part of a message, or the message itself.
public struct MIMEPart: Hashable, Sendable {
  public var headers: [MIMEHeader]
  /// `text/plain` when not given (RFC 2045 §5.2).
  public var contentType: MIMEParameters
  public var transferEncoding: String
  public var disposition: MIMEParameters?
  /// The part's header fields and body.
  public var range: Range<Int>
  public var bodyRange: Range<Int>
  /// A multipart's parts, in order; empty for a leaf.
  public var parts: [MIMEPart]

  public var isMultipart: Bool { contentType.value.hasPrefix("multipart/") }

  public var filename: String? {
    (disposition?.parameters["filename"] ?? contentType.parameters["name"]).map(
      EncodedWords.decode)
  }

  public var contentId: String? {
    headers.first("Content-ID")?.value.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
  }

  var isInlineText: Bool {
    (contentType.value == "text/html" || contentType.value == "text/plain")
      && disposition?.value != "attachment"
  }

  /// The leaves below this part (itself, for a leaf), in document order.
  public var leaves: [MIMEPart] {
    isMultipart ? parts.flatMap(\.leaves) : [self]
  }

  static func parse(_ bytes: [UInt8], range: Range<Int>, depth: Int, count: inout Int)
    throws(MIMEError) -> MIMEPart
  {
    count += 1
    guard count <= MIMEDocument.mostParts else { throw .tooManyParts }
    let (headers, bodyStart) = MIMEHeader.block(bytes, in: range)
    var part = MIMEPart(
      headers: headers,
      contentType: MIMEParameters(headers.first("Content-Type")?.value ?? "text/plain"),
      transferEncoding: headers.first("Content-Transfer-Encoding")?.value
        .trimmingWhitespace().lowercased() ?? "7bit",
      disposition: headers.first("Content-Disposition").map { MIMEParameters($0.value) },
      range: range, bodyRange: bodyStart..<range.upperBound, parts: [])
    if part.contentType.value.isEmpty { part.contentType = MIMEParameters("text/plain") }
    guard part.isMultipart else { return part }
    guard depth < MIMEDocument.deepestNesting else { throw .tooDeep }
    guard let boundary = part.contentType.parameters["boundary"], !boundary.isEmpty else {
      // A multipart without a boundary cannot be split: forwarded as one opaque leaf.
      part.contentType = MIMEParameters("application/octet-stream")
      return part
    }
    for child in Self.split(bytes, part.bodyRange, boundary: Array(("--" + boundary).utf8)) {
      part.parts.append(try parse(bytes, range: child, depth: depth + 1, count: &count))
    }
    return part
  }

  /// The ranges of a multipart body's parts: each from after a delimiter line to before the
  /// line break that precedes the next (RFC 2046 §5.1.1). Preamble and epilogue are not parts.
  static func split(_ bytes: [UInt8], _ body: Range<Int>, boundary: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var partStart: Int?
    var lineStart = body.lowerBound
    while lineStart < body.upperBound {
      let lineEnd = bytes[lineStart..<body.upperBound].firstIndex(of: 0x0A) ?? body.upperBound
      if lineEnd - lineStart >= boundary.count,
        bytes[lineStart..<(lineStart + boundary.count)].elementsEqual(boundary)
      {
        var rest = (lineStart + boundary.count)..<lineEnd
        let closing =
          rest.count >= 2 && bytes[rest.lowerBound] == UInt8(ascii: "-")
          && bytes[rest.lowerBound + 1] == UInt8(ascii: "-")
        if closing { rest = (rest.lowerBound + 2)..<rest.upperBound }
        if bytes[rest].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
          if let start = partStart {
            // The line break before the delimiter belongs to the delimiter.
            var end = lineStart
            if end > start, bytes[end - 1] == 0x0A { end -= 1 }
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            ranges.append(start..<max(start, end))
          }
          if closing { return ranges }
          partStart = min(lineEnd + 1, body.upperBound)
        }
      }
      lineStart = lineEnd + 1
    }
    // No closing delimiter: what was opened runs to the end.
    if let start = partStart { ranges.append(start..<body.upperBound) }
    return ranges
  }
}

/// A message that cannot be checked as the governor must check it.
public enum MIMEError: Error, Hashable, Sendable, CustomStringConvertible {
  case tooDeep
  case tooManyParts
  case severalBodies(String)
  case unknownCharset(String)
  case notInCharset(String)
  case unknownEncoding(String)

  public var description: String {
    switch self {
    case .tooDeep:
      "parts are nested more than \(MIMEDocument.deepestNesting) deep"
    case .tooManyParts:
      "the message has more than \(MIMEDocument.mostParts) parts"
    case .severalBodies(let type):
      "the message has more than one inline \(type) part; the governor checks one HTML and "
        + "one text body, and would leave the others unchecked"
    case .unknownCharset(let charset):
      "a body is in charset '\(charset)'; send UTF-8 (or US-ASCII, ISO-8859-1, windows-1252)"
    case .notInCharset(let charset):
      "a body is not valid \(charset)"
    case .unknownEncoding(let encoding):
      "a body has Content-Transfer-Encoding '\(encoding)', which RFC 2045 does not define"
    }
  }
}
