extension Redirector {
  /// Where a tracked link really goes, when its URL says so; nil when the destination is an
  /// opaque token only the ESP can resolve, or what the URL holds is not an http(s) URL.
  func destination(of address: WebAddress) -> WebAddress? {
    guard let destination, let raw = place(in: address) else { return nil }
    var text: [UInt8]?
    switch destination.encoding {
    case .plain: text = PercentEncoding.decodedBytes(raw)
    case .base64: text = Base64Text.decode(raw)
    case .base64JSON(let key):
      text = Base64Text.decode(raw).flatMap { JSONLookup.value(forKey: key, inJSON: $0) }
    case .base64Record:
      text = Base64Text.decode(raw).flatMap(LengthPrefixedURL.find)
    }
    if let scheme = destination.scheme, let written = text,
      WebAddress(bytes: written) == nil, !written.starts(with: [.slash])
    {
      text = Array("\(scheme)://".utf8) + written
    }
    guard let text, Self.isUTF8(text),
      let target = WebAddress(bytes: Array(text[...].trimmingHTMLSpace)),
      !target.isProtocolRelative
    else { return nil }
    return target
  }

  /// What the URL holds where the destination is written, as written (cut at `endsBefore`);
  /// nil when the redirector's URLs hold no destination, or this one has none there.
  func place(in address: WebAddress) -> ArraySlice<UInt8>? {
    guard let destination else { return nil }
    let raw: ArraySlice<UInt8>?
    switch destination.place {
    case .parameter(let name): raw = address.parameterValue(name)
    case .pathSegment(let index): raw = address.pathSegment(index)
    }
    guard var raw, !raw.isEmpty else { return nil }
    if let end = destination.endsBefore, let cut = raw.firstIndex(of: end) {
      raw = raw[..<cut]
    }
    return raw
  }

  /// Whether what the redirect carries besides its destination — a SparkPost record holds
  /// the recipient's address — carries this recipient: read only for a redirect that stays.
  func carries(_ recipient: RecipientIdentity, in address: WebAddress) -> Bool {
    guard let raw = place(in: address), let destination else { return false }
    switch destination.encoding {
    case .plain: return false
    case .base64, .base64JSON, .base64Record:
      guard let decoded = Base64Text.decode(raw) else { return false }
      return decoded.withUnsafeBufferPointer { recipient.isIn(decoded: $0, base64: nil) }
    }
  }

  private static func isUTF8(_ bytes: [UInt8]) -> Bool {
    bytes.allSatisfy { $0 < 0x80 } || String(validating: bytes, as: UTF8.self) != nil
  }
}

/// The first http(s) URL in a binary record that stores it as a string led by its length in
/// one byte, as SparkPost's link blobs do (`…'D' <length> https://…`). The length must fit the
/// record and the URL hold only printable ASCII, so a stray `http` in other bytes is passed
/// over.
enum LengthPrefixedURL {
  static func find(_ record: [UInt8]) -> [UInt8]? {
    var index = 1
    while index + 8 <= record.count {
      defer { index += 1 }
      guard record[index] | 0x20 == UInt8(ascii: "h"),
        WebAddress.startsWithScheme(record[index...])
      else { continue }
      let length = Int(record[index - 1])
      guard length >= 10, index + length <= record.count else { continue }
      let url = record[index..<(index + length)]
      guard url.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { continue }
      return Array(url)
    }
    return nil
  }
}

/// base64 decoding for destinations hidden in links. Written by hand: Foundation's decoder
/// wants the text padded and wrapped in `Data`, and the three copies that took cost more than
/// the rest of an unwrapped link's treatment.
enum Base64Text {
  /// base64 or base64url, padded or not, possibly percent-encoded (as a query value often is);
  /// nil for anything else.
  static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
    guard let text = PercentEncoding.decodedBytes(text) else { return nil }
    var decodedCount: Int?
    let result = [UInt8](unsafeUninitializedCapacity: text.count) { space, count in
      decodedCount = text.withUnsafeBufferPointer { decode($0, into: space) }
      count = decodedCount ?? 0
    }
    return decodedCount == nil ? nil : result
  }

  /// Decodes `text` (not percent-encoded) into `space`, which must hold `text.count` bytes;
  /// returns how many it wrote, nil when `text` is not base64.
  static func decode(
    _ text: UnsafeBufferPointer<UInt8>, into space: UnsafeMutableBufferPointer<UInt8>
  )
    -> Int?
  {
    var written = 0
    var accumulator: UInt32 = 0
    var bits = 0
    // Padding ends the text; what follows it is ignored.
    for byte in text {
      if byte == UInt8(ascii: "=") { break }
      guard let value = sextet(byte) else { return nil }
      accumulator = accumulator << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        space[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
        written += 1
      }
    }
    // One leftover character (6 bits) cannot end a base64 text.
    guard bits < 6 else { return nil }
    return written
  }

  static func sextet(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
    case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
    case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
    default: nil
    }
  }
}

/// `%XX` decoding over UTF-8. Written by hand: Foundation's `removingPercentEncoding` goes
/// through NSString and costs more than the rest of a link's treatment.
enum PercentEncoding {
  /// The decoded bytes; nil when a `%` is not followed by two hex digits.
  static func decodedBytes(_ text: ArraySlice<UInt8>) -> [UInt8]? {
    guard text.contains(UInt8(ascii: "%")) else { return Array(text) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.count)
    var index = text.startIndex
    while index < text.endIndex {
      let byte = text[index]
      index += 1
      guard byte == UInt8(ascii: "%") else {
        bytes.append(byte)
        continue
      }
      guard index + 1 < text.endIndex, let high = hexValue(text[index]),
        let low = hexValue(text[index + 1])
      else { return nil }
      index += 2
      bytes.append(high << 4 | low)
    }
    return bytes
  }

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}

/// The first string under a key anywhere in a JSON document, looking inside strings that are
/// themselves JSON (Mandrill nests its link data as a JSON string). Written by hand, reading
/// only strings: `JSONSerialization` builds the whole object tree and cost more than every
/// other step of a link's treatment together.
enum JSONLookup {
  static func value(forKey key: String, inJSON json: [UInt8]) -> [UInt8]? {
    find(Array(key.utf8), in: json, depth: 0)
  }

  private static func find(_ key: [UInt8], in json: [UInt8], depth: Int) -> [UInt8]? {
    guard depth < 4 else { return nil }
    var index = 0
    var nestedDocuments: [[UInt8]] = []
    while let quote = json[index...].firstIndex(of: .doubleQuote) {
      guard let end = stringEnd(json, from: quote + 1) else { return nil }
      let raw = json[(quote + 1)..<(end - 1)]
      index = end
      var next = end
      while next < json.count && json[next].isJSONSpace { next += 1 }
      if next < json.count && json[next] == .colon {
        // A key: the value follows. Most keys have no escapes and are compared as written.
        let isKey =
          raw.contains(UInt8(ascii: "\\"))
          ? decodeString(json, from: quote + 1)?.0 == key : raw.elementsEqual(key)
        guard isKey else { continue }
        next += 1
        while next < json.count && json[next].isJSONSpace { next += 1 }
        guard next < json.count, json[next] == .doubleQuote,
          let (value, _) = decodeString(json, from: next + 1)
        else { continue }
        return value
      }
      if raw.first == UInt8(ascii: "{"), let (text, _) = decodeString(json, from: quote + 1) {
        nestedDocuments.append(text)
      }
    }
    for document in nestedDocuments {
      if let found = find(key, in: document, depth: depth + 1) { return found }
    }
    return nil
  }

  /// The offset after the closing quote of the string starting at `start` (after its opening
  /// quote).
  private static func stringEnd(_ json: [UInt8], from start: Int) -> Int? {
    var index = start
    while index < json.count {
      switch json[index] {
      case .doubleQuote: return index + 1
      case UInt8(ascii: "\\"): index += 2
      default: index += 1
      }
    }
    return nil
  }

  /// The string starting after its opening quote, unescaped, and the offset after its
  /// closing quote.
  private static func decodeString(_ json: [UInt8], from start: Int) -> ([UInt8], Int)? {
    var text: [UInt8] = []
    var index = start
    while index < json.count {
      let byte = json[index]
      if byte == .doubleQuote { return (text, index + 1) }
      guard byte == UInt8(ascii: "\\") else {
        text.append(byte)
        index += 1
        continue
      }
      guard index + 1 < json.count else { return nil }
      let escaped = json[index + 1]
      index += 2
      switch escaped {
      case UInt8(ascii: "n"): text.append(0x0A)
      case UInt8(ascii: "t"): text.append(0x09)
      case UInt8(ascii: "r"): text.append(0x0D)
      case UInt8(ascii: "b"): text.append(0x08)
      case UInt8(ascii: "f"): text.append(0x0C)
      case UInt8(ascii: "u"):
        guard index + 4 <= json.count,
          let unit = UInt16(String(decoding: json[index..<(index + 4)], as: UTF8.self), radix: 16)
        else { return nil }
        index += 4
        // Surrogate pairs are not joined: a URL needs none, and a lone one turns into U+FFFD.
        text += Array(String(decoding: [unit], as: UTF16.self).utf8)
      default: text.append(escaped)  // \" \\ \/
      }
    }
    return nil
  }
}

extension UInt8 {
  fileprivate var isJSONSpace: Bool {
    self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D
  }
}
