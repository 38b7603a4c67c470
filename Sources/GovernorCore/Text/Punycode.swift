import Foundation

/// RFC 3492 Punycode, and the `xn--` form of an internationalised domain (IDNA, RFC 5891)
/// that mail headers and SMTP without SMTPUTF8 need.
///
/// Written by hand: none of the project's libraries (nor Foundation on Linux) converts domain
/// names. The mapping before encoding is the common core of UTS #46: lower case and NFC.
public enum Punycode {
  private static let base = 36
  private static let tMin = 1
  private static let tMax = 26
  private static let skew = 38
  private static let damp = 700
  private static let initialBias = 72
  private static let initialN = 128

  /// The ASCII form of a domain: each non-ASCII label as `xn--` and its Punycode; nil when a
  /// label cannot be encoded.
  public static func asciiDomain(_ domain: String) -> String? {
    guard domain.utf8.contains(where: { $0 >= 0x80 }) else { return domain }
    var labels: [String] = []
    for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
      let mapped = String(label).lowercased().precomposedStringWithCanonicalMapping
      if mapped.unicodeScalars.allSatisfy(\.isASCII) {
        labels.append(mapped)
      } else {
        guard let encoded = encode(mapped), encoded.utf8.count + 4 <= 63 else { return nil }
        labels.append("xn--" + encoded)
      }
    }
    return labels.joined(separator: ".")
  }

  /// The Punycode of `text` (without the `xn--` prefix).
  public static func encode(_ text: String) -> String? {
    let input = text.unicodeScalars.map(\.value)
    var output: [UInt8] = input.filter { $0 < 0x80 }.map { UInt8($0) }
    let basicCount = output.count
    var handled = basicCount
    if basicCount > 0 { output.append(UInt8(ascii: "-")) }
    var n = initialN
    var delta = 0
    var bias = initialBias
    while handled < input.count {
      guard let next = input.filter({ Int($0) >= n }).min() else { return nil }
      let m = Int(next)
      let (product, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
      guard !overflow else { return nil }
      delta += product
      n = m
      for scalar in input {
        let code = Int(scalar)
        if code < n { delta += 1 }
        guard code == n else { continue }
        var q = delta
        var k = base
        while true {
          let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
          if q < t { break }
          output.append(digit(t + (q - t) % (base - t)))
          q = (q - t) / (base - t)
          k += base
        }
        output.append(digit(q))
        bias = adapt(delta, handled + 1, handled == basicCount)
        delta = 0
        handled += 1
      }
      delta += 1
      n += 1
    }
    return String(decoding: output, as: UTF8.self)
  }

  private static func digit(_ value: Int) -> UInt8 {
    value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
  }

  private static func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
    var delta = first ? delta / damp : delta / 2
    delta += delta / count
    var k = 0
    while delta > ((base - tMin) * tMax) / 2 {
      delta /= base - tMin
      k += base
    }
    return k + (base - tMin + 1) * delta / (delta + skew)
  }
}
