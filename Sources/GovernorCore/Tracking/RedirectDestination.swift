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
    case .plain: text = String(raw).removingPercentEncoding
    case .base64: text = Base64Text.decode(raw).flatMap { String(data: $0, encoding: .utf8) }
    case .base64JSON(let key):
      text = Base64Text.decode(raw).flatMap { JSONLookup.string(forKey: key, inJSON: $0) }
    }
    guard let text, let target = WebAddress(text.trimmingCharacters(in: .whitespaces)),
      !target.text.hasPrefix("//")
    else { return nil }
    return target.text
  }
}

enum Base64Text {
  /// base64 or base64url, padded or not, possibly percent-encoded (as a query value often is).
  static func decode(_ text: Substring) -> Data? {
    var value = String(text).removingPercentEncoding ?? String(text)
    value = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    value = String(value.prefix { $0 != "=" })
    let remainder = value.utf8.count % 4
    if remainder == 1 { return nil }
    if remainder > 0 { value += String(repeating: "=", count: 4 - remainder) }
    return Data(base64Encoded: value)
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
