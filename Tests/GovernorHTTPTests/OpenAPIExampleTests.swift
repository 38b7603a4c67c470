import Foundation
import Testing
import Yams

/// What `openapi.yaml` promises a client author: each request example is accepted as the spec
/// says, and each link from its answer leads to an operation that answers as documented.
/// Followed in the order a campaign tool would: consent, suppressions, then a message.
@Suite("OpenAPI examples and links")
struct OpenAPIExampleTests {
  struct Operation {
    var method: String
    var path: String
    /// The request example: an object, or an array (SendGrid's events).
    var example: Any?
    var body: [String: Any] { example as? [String: Any] ?? [:] }
    var documented: [String: Any]
    /// Path parameters' examples, by name.
    var pathExamples: [String: String] = [:]

    /// The path with each `{name}` its example.
    var examplePath: String {
      pathExamples.reduce(path) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }
  }

  func operations() throws -> [String: Operation] {
    let text = try String(contentsOfFile: OpenAPISpecTests.specPath, encoding: .utf8)
    let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
    var found: [String: Operation] = [:]
    for (path, item) in spec["paths"] as? [String: Any] ?? [:] {
      for (method, value) in item as? [String: Any] ?? [:] {
        guard let operation = value as? [String: Any], let id = operation["operationId"] as? String
        else { continue }
        let content =
          ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?[
            "application/json"] as? [String: Any]
        var examples: [String: String] = [:]
        for parameter in operation["parameters"] as? [[String: Any]] ?? [] {
          if parameter["in"] as? String == "path", let name = parameter["name"] as? String,
            let example = parameter["example"] as? String
          {
            examples[name] = example
          }
        }
        found[id] = Operation(
          method: method.uppercased(), path: path,
          example: content?["example"],
          documented: operation["responses"] as? [String: Any] ?? [:], pathExamples: examples)
      }
    }
    return found
  }

  @Test("every request example is answered 2xx as documented; every link it offers works")
  func examplesAndLinks() async throws {
    let operations = try operations()
    let withExamples = operations.filter { $0.value.example != nil }.map(\.key)
    #expect(
      Set(withExamples).isSuperset(of: [
        "submitMessage", "recordConsent", "addSuppression", "submitBatch", "dryRun",
        "changeAddress", "sendGridMailSend", "sendgridEvents", "sesEvents",
      ]),
      "\(withExamples)")
    var linksFollowed = 0
    try await GatewayServer.with { server in
      // The order a campaign tool works in; then every other example.
      let first = ["recordConsent", "addSuppression", "submitMessage"]
      for id in first + withExamples.filter({ !first.contains($0) }).sorted() {
        let operation = try #require(operations[id])
        let body = try JSONSerialization.data(withJSONObject: try #require(operation.example))
        let reply = try await server.send(operation.method, operation.examplePath, body: body)
        let status = String(reply.status)
        #expect(
          status.hasPrefix("2"),
          "\(id): \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
        let answer = try #require(
          operation.documented[status] as? [String: Any], "\(id): \(status) undocumented")
        for (name, value) in answer["links"] as? [String: Any] ?? [:] {
          let link = try #require(value as? [String: Any])
          let target = try #require(
            operations[link["operationId"] as? String ?? ""], "\(id) → \(name)")
          var path = target.path
          for (parameter, expression) in link["parameters"] as? [String: String] ?? [:] {
            let value = try #require(
              Self.resolve(
                expression, request: operation.body, path: operation.pathExamples,
                response: reply.json),
              "\(id) → \(name): \(expression)")
            path = path.replacingOccurrences(of: "{\(parameter)}", with: value)
          }
          let followed = try await server.call(target.method, path)
          #expect(
            String(followed.status).hasPrefix("2")
              && target.documented[String(followed.status)] != nil,
            "\(id) → \(name) (\(target.method) \(path)): \(followed.status)")
          linksFollowed += 1
        }
      }
    }
    #expect(linksFollowed >= 7)
  }

  @Test("the Message schema refuses what the gateway refuses, and allows what it accepts")
  func messagePatternsMatchTheGateway() async throws {
    let text = try String(contentsOfFile: OpenAPISpecTests.specPath, encoding: .utf8)
    let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
    let properties =
      try #require(
        ((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])?["Message"]
          as? [String: Any])["properties"] as? [String: Any]
    let example = try #require(operations()["submitMessage"]).body
    func pattern(_ field: String) throws -> NSRegularExpression {
      let schema = try #require(properties?[field] as? [String: Any])
      return try NSRegularExpression(pattern: try #require(schema["pattern"] as? String))
    }
    func matches(_ expression: NSRegularExpression, _ value: String) -> Bool {
      expression.firstMatch(
        in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }
    let cases: [(field: String, value: String, accepted: Bool)] = [
      ("subject", "Your order shipped\r\nBcc: victim@example.org", false),
      ("subject", "Line\u{2028}separator", false),
      ("subject", "Votre commande est partie", true),
      ("id", "   ", false),
      ("id", "order\n2", false),
      ("id", "order-2", true),
      ("to", "c1@example.com\r\nBcc: x@example.org", false),
      ("to", "no-at-sign", false),
      ("to", "\"Pérez, Ana\" <c1@example.com>", true),
    ]
    try await GatewayServer.with { server in
      for (number, (field, value, accepted)) in cases.enumerated() {
        #expect(
          try matches(pattern(field), value) == accepted, "\(field): \(value.debugDescription)")
        var message = example
        message[field] = value
        if field != "id" { message["id"] = "pattern-\(number)" }
        let reply = try await server.send(
          "POST", "/v1/messages", body: try JSONSerialization.data(withJSONObject: message))
        #expect(
          (reply.status == 200) == accepted,
          "\(field) \(value.debugDescription): the gateway answered \(reply.status)")
      }
    }
  }

  /// A runtime expression (`$request.body#/customer_id`, `$response.body#/record/id`).
  static func resolve(
    _ expression: String, request: [String: Any], path: [String: String],
    response: [String: Any]
  ) -> String? {
    if expression.hasPrefix("$request.path.") {
      return path[String(expression.dropFirst("$request.path.".count))]
    }
    let parts = expression.split(separator: "#", maxSplits: 1).map(String.init)
    guard parts.count == 2 else { return nil }
    var node: Any? =
      switch parts[0] {
      case "$request.body": request
      case "$response.body": response
      default: nil
      }
    for key in parts[1].split(separator: "/") {
      node = (node as? [String: Any])?[String(key)]
    }
    return node as? String
  }
}
