import Foundation
import Yams

/// Reads customers and campaigns written as YAML (or JSON, which is YAML), as the fixtures
/// and `governor evaluate` use them.
public enum StateDocuments {
  public static func customers(from source: Data) throws -> [CustomerState] {
    try YAMLDecoder().decode([CustomerState].self, from: source)
  }

  public static func campaign(from source: Data) throws -> Campaign {
    try YAMLDecoder().decode(Campaign.self, from: source)
  }

  /// The JSON encoder every command uses for decisions: ISO 8601 times, stable key order.
  public static func jsonEncoder(pretty: Bool = true) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = pretty ? [.prettyPrinted, .withoutEscapingSlashes] : []
    return encoder
  }
}
