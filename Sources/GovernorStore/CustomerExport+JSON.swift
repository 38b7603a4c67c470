import Foundation

extension CustomerExport {
  /// The export as one JSON document, its decisions as objects rather than strings of JSON:
  /// what `governor customer export` prints and `GET /v1/customers/{id}/export` returns.
  public func json(pretty: Bool = false) throws -> String {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.keyEncodingStrategy = .convertToSnakeCase
    guard
      var object = try JSONSerialization.jsonObject(with: encoder.encode(self)) as? [String: Any]
    else { throw StoreError.badStoredValue("the export did not encode as a JSON object") }
    object["decisions"] = try decisions.map {
      try JSONSerialization.jsonObject(with: Data($0.utf8))
    }
    var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
    if pretty { options.insert(.prettyPrinted) }
    let data = try JSONSerialization.data(withJSONObject: object, options: options)
    return String(decoding: data, as: UTF8.self)
  }
}
