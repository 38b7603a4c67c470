import Foundation
import GovernorCore

/// The JSON bodies of the mail APIs tools already call, read with their snake_case keys.
/// A body that does not fit names the field as those APIs do: `personalizations.0.to.0.email`.
enum CompatibleJSON {
  static func decode<Body: Decodable>(_ type: Body.Type, from body: Data) throws(InvalidRecord)
    -> Body
  {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    do {
      return try decoder.decode(type, from: body)
    } catch let DecodingError.keyNotFound(key, context) {
      throw InvalidRecord(field: field(context.codingPath + [key]), problem: "is required")
    } catch let DecodingError.typeMismatch(_, context) {
      throw InvalidRecord(field: field(context.codingPath), problem: "has the wrong type")
    } catch let DecodingError.valueNotFound(_, context) {
      throw InvalidRecord(field: field(context.codingPath), problem: "must not be null")
    } catch {
      throw InvalidRecord(field: "body", problem: "is not valid JSON")
    }
  }

  static func field(_ path: [any CodingKey]) -> String {
    path.map { key in
      key.intValue.map(String.init) ?? snakeCase(key.stringValue)
    }.joined(separator: ".")
  }

  private static func snakeCase(_ name: String) -> String {
    var out = ""
    for character in name {
      if character.isUppercase {
        out += "_" + character.lowercased()
      } else {
        out.append(character)
      }
    }
    return out
  }
}
