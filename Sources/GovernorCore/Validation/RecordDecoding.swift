import Foundation

/// Reads a record from JSON, turning Foundation's decoding errors into problems that name the
/// field as the sender spelled it (`reason: is required`), which is what an API client needs.
public enum RecordDecoding {
  public static func decode<Record: Decodable>(_ type: Record.Type, from json: Data)
    throws(InvalidRecord) -> Record
  {
    // Foundation's parser lets some invalid UTF-8 through inside strings; RFC 8259 §8.1
    // requires UTF-8, and a byte we cannot read could hide anything.
    guard String(validating: json, as: UTF8.self) != nil else {
      throw InvalidRecord(field: "body", problem: "is not valid UTF-8")
    }
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
      let container = try decoder.singleValueContainer()
      let text = try container.decode(String.self)
      if let date = try? Date(text, strategy: .iso8601) { return date }
      if let date = try? Date(
        text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
      {
        return date
      }
      throw DecodingError.dataCorruptedError(
        in: container,
        debugDescription: "'\(text)' is not an ISO 8601 time such as 2026-11-22T09:30:00Z")
    }
    do {
      return try decoder.decode(type, from: json)
    } catch let error as DecodingError {
      throw InvalidRecord([problem(error)])
    } catch {
      throw InvalidRecord(field: "body", problem: "\(error)")
    }
  }

  static func problem(_ error: DecodingError) -> FieldProblem {
    switch error {
    case .keyNotFound(let key, let context):
      return FieldProblem(field: path(context.codingPath + [key]), problem: "is required")
    case .valueNotFound(_, let context):
      return FieldProblem(field: path(context.codingPath), problem: "must not be null")
    case .typeMismatch(let type, let context):
      return FieldProblem(field: path(context.codingPath), problem: "must be \(jsonName(type))")
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty {
        return FieldProblem(field: "body", problem: "is not a JSON object")
      }
      return FieldProblem(field: path(context.codingPath), problem: context.debugDescription)
    @unknown default:
      return FieldProblem(field: "body", problem: "\(error)")
    }
  }

  static func path(_ keys: [any CodingKey]) -> String {
    guard !keys.isEmpty else { return "body" }
    var text = ""
    for key in keys {
      if let index = key.intValue {
        text += "[\(index)]"
      } else {
        text += text.isEmpty ? key.stringValue : "." + key.stringValue
      }
    }
    return text
  }

  static func jsonName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type, is Date.Type: return "a string"
    case is Int.Type, is Double.Type: return "a number"
    case is Bool.Type: return "true or false"
    default: return "an object"
    }
  }
}

/// Enums read from JSON say which values they accept instead of Foundation's
/// "Cannot initialize … from invalid String value".
protocol NamedCases: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension NamedCases {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = Self(rawValue: text) else {
      let names = Self.allCases.map(\.rawValue)
      throw DecodingError.dataCorruptedError(
        in: container,
        debugDescription: "'\(text)' is not one of \(names.joined(separator: ", "))"
          + Spelling.hint(for: text, among: names))
    }
    self = value
  }
}

extension SuppressionReason: NamedCases {}
extension ConsentEvent.Status: NamedCases {}
