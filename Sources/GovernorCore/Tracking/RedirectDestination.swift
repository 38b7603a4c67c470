import Foundation

extension Redirector {
  /// Where a tracked link really goes, when its URL says so; nil when the destination is an
  /// opaque token only the ESP can resolve, or what the URL holds is not an http(s) URL.
  func destination(of address: WebAddress) -> String? {
    guard let destination else { return nil }
    let raw: Substring?
    switch destination.place {
    case .parameter(let name): raw = address.parameter(name)
    case .pathSegment(let index):
      let segments = address.pathSegments
      raw = index >= 1 && index <= segments.count ? segments[index - 1] : nil
    }
    guard let raw, !raw.isEmpty else { return nil }
    let text: String?
    switch destination.encoding {
    case .plain: text = PercentEncoding.decode(raw)
    case .base64: text = Base64Text.decode(raw).flatMap { String(validating: $0, as: UTF8.self) }
    case .base64JSON(let key):
      text = Base64Text.decode(raw).flatMap { JSONLookup.string(forKey: key, inJSON: $0) }
    }
    guard let text, let target = WebAddress(text.trimmedHTMLSpace),
      !target.text.hasPrefix("//")
    else { return nil }
    return target.text
  }
}

enum Base64Text {
  /// base64 or base64url, padded or not, possibly percent-encoded (as a query value often is).
  static func decode(_ text: Substring) -> Data? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count + 3)
    for byte in PercentEncoding.decodedBytes(text) ?? Array(text.utf8) {
      if byte == UInt8(ascii: "=") { break }
      switch byte {
      case UInt8(ascii: "-"): bytes.append(UInt8(ascii: "+"))
      case UInt8(ascii: "_"): bytes.append(.slash)
      default: bytes.append(byte)
      }
    }
    let remainder = bytes.count % 4
    if remainder == 1 { return nil }
    if remainder > 0 { bytes += Array(repeating: UInt8(ascii: "="), count: 4 - remainder) }
    return Data(base64Encoded: Data(bytes))
  }
}

/// `%XX` decoding over UTF-8. Written by hand: Foundation's `removingPercentEncoding` goes
/// through NSString and costs more than the rest of a link's treatment.
enum PercentEncoding {
  /// The decoded text; nil when it is not UTF-8 or a `%` is not followed by two hex digits.
  static func decode(_ text: Substring) -> String? {
    guard let bytes = decodedBytes(text) else { return nil }
    return String(validating: bytes, as: UTF8.self)
  }

  static func decodedBytes(_ text: Substring) -> [UInt8]? {
    let utf8 = text.utf8
    var bytes: [UInt8] = []
    bytes.reserveCapacity(utf8.count)
    var index = utf8.startIndex
    while index < utf8.endIndex {
      let byte = utf8[index]
      index = utf8.index(after: index)
      guard byte == UInt8(ascii: "%") else {
        bytes.append(byte)
        continue
      }
      guard index < utf8.endIndex, let high = hexValue(utf8[index]) else { return nil }
      index = utf8.index(after: index)
      guard index < utf8.endIndex, let low = hexValue(utf8[index]) else { return nil }
      index = utf8.index(after: index)
      bytes.append(high << 4 | low)
    }
    return bytes
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}

enum JSONLookup {
  /// The first string under `key` anywhere in a JSON document, looking inside strings that
  /// are themselves JSON (Mandrill nests its link data as a JSON string).
  static func string(forKey key: String, inJSON data: Data, depth: Int = 0) -> String? {
    guard depth < 4,
      let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    else { return nil }
    return find(key, in: value, depth: depth)
  }

  private static func find(_ key: String, in value: Any, depth: Int) -> String? {
    if let object = value as? [String: Any] {
      if let found = object[key] as? String { return found }
      for nested in object.values {
        if let found = find(key, in: nested, depth: depth) { return found }
      }
    } else if let array = value as? [Any] {
      for nested in array {
        if let found = find(key, in: nested, depth: depth) { return found }
      }
    } else if let text = value as? String, text.hasPrefix("{") {
      return string(forKey: key, inJSON: Data(text.utf8), depth: depth + 1)
    }
    return nil
  }
}
