import Foundation
import GovernorCore

/// The JSON bodies of the mail APIs tools already call, read with their snake_case keys.
/// A body that does not fit names the field as those APIs do: `personalizations.0.to.0.email`.
enum CompatibleJSON {
  /// How the API spells its keys: SendGrid's and listmonk's `snake_case`, Amazon's
  /// `PascalCase`.
  enum Keys {
    case snakeCase
    case pascalCase
  }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  static func decode<Body: Decodable>(
    _ type: Body.Type, from body: Data, keys: Keys = .snakeCase
  ) throws(InvalidRecord) -> Body {
    let decoder = JSONDecoder()
    switch keys {
    case .snakeCase:
      decoder.keyDecodingStrategy = .convertFromSnakeCase
    case .pascalCase:
      decoder.keyDecodingStrategy = .custom { path in
        let name = path.last?.stringValue ?? ""
        return Key(stringValue: name.prefix(1).lowercased() + name.dropFirst())
      }
    }
    let field = { (path: [any CodingKey]) in Self.field(path, keys: keys) }
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

  static func field(_ path: [any CodingKey], keys: Keys = .snakeCase) -> String {
    path.map { key in
      key.intValue.map(String.init)
        ?? (keys == .snakeCase
          ? snakeCase(key.stringValue)
          : key.stringValue.prefix(1).uppercased() + key.stringValue.dropFirst())
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
