import Foundation

/// Checks a JSON value (as JSONSerialization or Yams gives it) against an OpenAPI 3.0 schema
/// of `openapi.yaml`: `$ref`, `allOf`/`anyOf`/`oneOf`, `nullable`, `type`, `enum`, `required`,
/// `properties`, `additionalProperties`, `propertyNames`, `items` and the size, pattern and
/// `date-time` constraints. Written here because no package in the mirror validates
/// instances (OpenAPIKit reads specs; it does not check values against them).
struct SchemaValidator {
  let components: [String: Any]

  init(spec: [String: Any]) {
    components = spec["components"] as? [String: Any] ?? [:]
  }

  /// Every place `value` breaks `schema`, as `path: what`; empty when it conforms.
  func problems(_ value: Any?, _ schema: [String: Any], at path: String = "$") -> [String] {
    if let reference = schema["$ref"] as? String {
      guard let resolved = resolve(reference) else { return ["\(path): unknown \(reference)"] }
      return problems(value, resolved, at: path)
    }
    var found: [String] = []
    for part in schema["allOf"] as? [[String: Any]] ?? [] {
      found += problems(value, part, at: path)
    }
    if let alternatives = schema["anyOf"] as? [[String: Any]] ?? schema["oneOf"]
      as? [[String: Any]],
      !alternatives.contains(where: { problems(value, $0, at: path).isEmpty })
    {
      found.append("\(path): matches none of its \(alternatives.count) alternatives")
    }
    guard let value, !(value is NSNull) else {
      let nullable = schema["nullable"] as? Bool ?? false
      return nullable || schema["type"] == nil ? found : found + ["\(path): null"]
    }
    if let allowed = schema["enum"] as? [Any],
      !allowed.contains(where: { "\($0)" == "\(value)" })
    {
      found.append("\(path): \(value) is not one of \(allowed)")
    }
    switch schema["type"] as? String {
    case "object": found += objectProblems(value, schema, at: path)
    case "array": found += arrayProblems(value, schema, at: path)
    case "string": found += stringProblems(value, schema, at: path)
    case "integer":
      if !Self.isNumber(value) || Self.isBoolean(value)
        || (value as? NSNumber).map({ $0.doubleValue.rounded() != $0.doubleValue }) ?? true
      {
        found.append("\(path): \(value) is not an integer")
      }
    case "number":
      if !Self.isNumber(value) || Self.isBoolean(value) {
        found.append("\(path): \(value) is not a number")
      }
    case "boolean":
      if !Self.isBoolean(value) { found.append("\(path): \(value) is not a boolean") }
    default: break
    }
    return found
  }

  private func objectProblems(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
    guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
    var found: [String] = []
    for name in schema["required"] as? [String] ?? [] where object[name] == nil {
      found.append("\(path): \(name) is required")
    }
    let properties = schema["properties"] as? [String: Any] ?? [:]
    let namePattern = (schema["propertyNames"] as? [String: Any])?["pattern"] as? String
    for (name, member) in object {
      if let namePattern, !Self.matches(namePattern, name) {
        found.append("\(path): the name \(name) does not match \(namePattern)")
      }
      if let property = properties[name] as? [String: Any] {
        found += problems(member, property, at: "\(path).\(name)")
      } else if let additional = schema["additionalProperties"] as? [String: Any] {
        found += problems(member, additional, at: "\(path).\(name)")
      } else if schema["additionalProperties"] as? Bool == false {
        found.append("\(path): \(name) is not allowed")
      }
    }
    return found
  }

  private func arrayProblems(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
    guard let array = value as? [Any] else { return ["\(path): not an array"] }
    var found: [String] = []
    if let least = schema["minItems"] as? Int, array.count < least {
      found.append("\(path): fewer than \(least) items")
    }
    if let most = schema["maxItems"] as? Int, array.count > most {
      found.append("\(path): more than \(most) items")
    }
    if let items = schema["items"] as? [String: Any] {
      for (index, item) in array.enumerated() {
        found += problems(item, items, at: "\(path)[\(index)]")
      }
    }
    return found
  }

  private func stringProblems(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
    // Yams reads an unquoted timestamp as a Date: a date-time all the same.
    if value is Date {
      return schema["format"] as? String == "date-time" ? [] : ["\(path): a date"]
    }
    guard let string = value as? String else { return ["\(path): \(value) is not a string"] }
    var found: [String] = []
    if let least = schema["minLength"] as? Int, string.count < least {
      found.append("\(path): shorter than \(least)")
    }
    if let most = schema["maxLength"] as? Int, string.count > most {
      found.append("\(path): longer than \(most)")
    }
    if let pattern = schema["pattern"] as? String, !Self.matches(pattern, string) {
      found.append("\(path): \(string.debugDescription) does not match \(pattern)")
    }
    if schema["format"] as? String == "date-time", Self.date(string) == nil {
      found.append("\(path): \(string) is not an RFC 3339 date-time")
    }
    return found
  }

  private func resolve(_ reference: String) -> [String: Any]? {
    let parts = reference.split(separator: "/").map(String.init)
    guard parts.count == 4, parts[0] == "#", parts[1] == "components" else { return nil }
    return (components[parts[2]] as? [String: Any])?[parts[3]] as? [String: Any]
  }

  static func isBoolean(_ value: Any) -> Bool {
    // JSONSerialization gives NSNumber for true and 1 alike; a boolean's type code is "c".
    (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
  }

  static func isNumber(_ value: Any) -> Bool { value is NSNumber }

  static func matches(_ pattern: String, _ string: String) -> Bool {
    guard let expression = try? NSRegularExpression(pattern: pattern) else { return false }
    return expression.firstMatch(in: string, range: NSRange(string.startIndex..., in: string))
      != nil
  }

  static func date(_ string: String) -> Date? {
    let plain = ISO8601DateFormatter()
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return plain.date(from: string) ?? fractional.date(from: string)
  }
}
