import Foundation

/// Compact JSON written byte by byte, for records that are hashed: the same bytes as
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` and `.iso8601` dates (a test
/// holds them equal on every decision the engine tests make), at a fraction of its cost.
/// Written by hand because no listed library writes JSON without Codable's dynamic dispatch,
/// which made `JSONEncoder` 40% of a decision's time under the store's write lock.
///
/// Callers write an object's keys in ascending order of their UTF-8 bytes, as `.sortedKeys`
/// orders them.
public struct CanonicalJSON {
  public private(set) var bytes: [UInt8] = []
  private var needsComma = false

  public init() {
    bytes.reserveCapacity(1_024)
  }

  public var text: String { String(decoding: bytes, as: UTF8.self) }

  public mutating func object(_ body: (inout CanonicalJSON) -> Void) {
    separate()
    bytes.append(UInt8(ascii: "{"))
    needsComma = false
    body(&self)
    bytes.append(UInt8(ascii: "}"))
    needsComma = true
  }

  public mutating func array<Element>(
    _ elements: some Sequence<Element>, _ body: (inout CanonicalJSON, Element) -> Void
  ) {
    separate()
    bytes.append(UInt8(ascii: "["))
    needsComma = false
    for element in elements { body(&self, element) }
    bytes.append(UInt8(ascii: "]"))
    needsComma = true
  }

  /// A key inside an object; the value is written next.
  public mutating func key(_ name: String) {
    separate()
    JSONLiteral.appendQuoted(name, to: &bytes)
    bytes.append(UInt8(ascii: ":"))
    needsComma = false
  }

  /// A key and its string value; nothing at all for nil, as `encodeIfPresent` leaves it out.
  public mutating func field(_ name: String, _ value: String?) {
    guard let value else { return }
    key(name)
    string(value)
  }

  public mutating func field(_ name: String, _ value: Bool) {
    key(name)
    bool(value)
  }

  public mutating func string(_ value: String) {
    separate()
    JSONLiteral.appendQuoted(value, to: &bytes)
    needsComma = true
  }

  public mutating func number(_ value: Int) {
    separate()
    bytes.append(contentsOf: String(value).utf8)
    needsComma = true
  }

  public mutating func bool(_ value: Bool) {
    separate()
    bytes.append(contentsOf: (value ? "true" : "false").utf8)
    needsComma = true
  }

  public mutating func null() {
    separate()
    bytes.append(contentsOf: "null".utf8)
    needsComma = true
  }

  /// As `.iso8601` writes it: UTC, whole seconds (rounded down), `Z`.
  public mutating func date(_ value: Date) {
    let seconds = Int(value.timeIntervalSince1970.rounded(.down))
    let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
    let dayIndex = secondOfDay < 0 ? days - 1 : days
    let second = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
    let date = CivilDate(daysSinceEpoch: dayIndex)
    separate()
    bytes.append(UInt8(ascii: "\""))
    appendDigits(date.year, 4)
    bytes.append(UInt8(ascii: "-"))
    appendDigits(date.month, 2)
    bytes.append(UInt8(ascii: "-"))
    appendDigits(date.day, 2)
    bytes.append(UInt8(ascii: "T"))
    appendDigits(second / 3_600, 2)
    bytes.append(UInt8(ascii: ":"))
    appendDigits(second / 60 % 60, 2)
    bytes.append(UInt8(ascii: ":"))
    appendDigits(second % 60, 2)
    bytes.append(contentsOf: "Z\"".utf8)
    needsComma = true
  }

  private mutating func separate() {
    if needsComma { bytes.append(UInt8(ascii: ",")) }
  }

  private mutating func appendDigits(_ value: Int, _ width: Int) {
    let digits = String(value).utf8
    if digits.count < width {
      bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
    }
    bytes.append(contentsOf: digits)
  }
}

extension Decision {
  /// The decision as `JSONEncoder` encodes it (see `CanonicalJSON`).
  public func writeCanonical(_ json: inout CanonicalJSON) {
    json.object { json in
      json.key("category")
      json.string(category)
      json.key("customer_id")
      json.string(customerId)
      json.key("evaluated_at")
      json.date(evaluatedAt)
      json.key("message_id")
      json.string(messageId)
      json.key("modifications")
      json.array(modifications) { json, modification in modification.writeCanonical(&json) }
      json.key("not_before")
      if let notBefore { json.date(notBefore) } else { json.null() }
      json.key("outcome")
      json.string(outcome.rawValue)
      json.key("policy")
      json.object { json in
        json.key("name")
        json.string(policy.name)
        json.key("version")
        json.string(policy.version)
      }
      json.key("reasons")
      json.array(reasons) { json, reason in reason.writeCanonical(&json) }
      json.key("tracking_consent")
      json.bool(trackingConsent)
    }
  }
}

extension Modification {
  func writeCanonical(_ json: inout CanonicalJSON) {
    json.object { json in
      if let detail {
        json.key("detail")
        json.string(detail)
      }
      json.key("kind")
      json.string(kind)
      for (name, value) in [("part", part), ("replacement", replacement), ("url", url)] {
        guard let value else { continue }
        json.key(name)
        json.string(value)
      }
    }
  }
}

extension Reason {
  func writeCanonical(_ json: inout CanonicalJSON) {
    json.object { json in
      json.key("code")
      json.string(code)
      json.key("effect")
      json.string(effect.rawValue)
      json.key("facts")
      facts.writeCanonical(&json)
      json.key("message")
      json.string(message)
      json.key("rule")
      json.string(rule)
    }
  }
}

extension Facts {
  public func writeCanonical(_ json: inout CanonicalJSON) {
    // A keyed container keeps the last value given for a key.
    var latest: [String: FactValue] = [:]
    for entry in entries { latest[entry.key] = entry.value }
    let keys = latest.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    json.object { json in
      for key in keys {
        json.key(key)
        switch latest[key] {
        case .text(let value): json.string(value)
        case .number(let value): json.number(value)
        case .flag(let value): json.bool(value)
        case .time(let value): json.date(value)
        case .times(let values): json.array(values) { json, value in json.date(value) }
        case .texts(let values): json.array(values) { json, value in json.string(value) }
        case nil: json.null()
        }
      }
    }
  }
}
