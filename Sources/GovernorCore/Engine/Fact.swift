import Foundation

/// A value the engine used to decide, shown to compliance as it was.
public enum FactValue: Hashable, Sendable, Encodable {
  case text(String)
  case number(Int)
  case flag(Bool)
  case time(Date)
  case times([Date])
  case texts([String])

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .text(let value): try container.encode(value)
    case .number(let value): try container.encode(value)
    case .flag(let value): try container.encode(value)
    case .time(let value): try container.encode(value)
    case .times(let value): try container.encode(value)
    case .texts(let value): try container.encode(value)
    }
  }
}

/// Named facts in a fixed order, encoded as one JSON object.
public struct Facts: Hashable, Sendable, Encodable, ExpressibleByDictionaryLiteral {
  public typealias Key = String
  public typealias Value = FactValue

  public var entries: [(key: String, value: FactValue)]

  public init(dictionaryLiteral elements: (String, FactValue)...) {
    entries = elements.map { (key: $0.0, value: $0.1) }
  }

  public subscript(key: String) -> FactValue? {
    entries.first { $0.key == key }?.value
  }

  public mutating func append(_ key: String, _ value: FactValue) {
    entries.append((key, value))
  }

  public static func == (lhs: Facts, rhs: Facts) -> Bool {
    lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
  }

  public func hash(into hasher: inout Hasher) {
    for entry in entries {
      hasher.combine(entry.key)
      hasher.combine(entry.value)
    }
  }

  struct FactKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: FactKey.self)
    for (key, value) in entries { try container.encode(value, forKey: FactKey(stringValue: key)) }
  }
}
