import Foundation
import GovernorService
import Testing
import Yams

/// What `openapi.yaml` promises a client author: each request example is accepted as the spec
/// says, and each link from its answer leads to an operation that answers as documented.
/// Followed in the order a campaign tool would: consent, suppressions, then a message.
@Suite("OpenAPI examples and links")
struct OpenAPIExampleTests {
  struct Operation {
    var id: String
    var method: String
    var path: String
    var raw: [String: Any]
    /// The request example and its media type, JSON first.
    var example: Any?
    var mediaType: String?
    var body: [String: Any] { example as? [String: Any] ?? [:] }
    var documented: [String: Any]
    /// Path parameters' examples, by name.
    var pathExamples: [String: String] = [:]

    /// The path with each `{name}` its example.
    var examplePath: String {
      pathExamples.reduce(path) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    /// Who may call it: a bearer key, HTTP Basic with the key as password, nothing (the token
    /// in the path), or an AWS signature the router test cannot make.
    var credentials: Credentials {
      let schemes = (raw["security"] as? [[String: Any]])?.flatMap(\.keys)
      switch schemes {
      case nil: return .bearer
      case let names? where names.isEmpty: return path.hasPrefix("/u/") ? .none : .awsSignature
      case let names?: return names.contains("apiKey") ? .bearer : .basic
      }
    }
  }

  enum Credentials { case bearer, basic, none, awsSignature }

  static let preferredMediaTypes = [
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data",
    "application/yaml",
  ]

  func spec() throws -> [String: Any] {
    let text = try String(contentsOfFile: OpenAPISpecTests.specPath, encoding: .utf8)
    return try #require(try Yams.load(yaml: text) as? [String: Any])
  }

  func operations() throws -> [String: Operation] {
    var found: [String: Operation] = [:]
    for (path, item) in try spec()["paths"] as? [String: Any] ?? [:] {
      for (method, value) in item as? [String: Any] ?? [:] {
        guard let operation = value as? [String: Any], let id = operation["operationId"] as? String
        else { continue }
        let content =
          (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
        let mediaType = Self.preferredMediaTypes.first {
          (content[$0] as? [String: Any])?["example"] != nil
        }
        var examples: [String: String] = [:]
        for parameter in operation["parameters"] as? [[String: Any]] ?? [] {
          if parameter["in"] as? String == "path", let name = parameter["name"] as? String,
            let example = parameter["example"] as? String
          {
            examples[name] = example
          }
        }
        found[id] = Operation(
          id: id, method: method.uppercased(), path: path, raw: operation,
          example: mediaType.flatMap { (content[$0] as? [String: Any])?["example"] },
          mediaType: mediaType,
          documented: operation["responses"] as? [String: Any] ?? [:], pathExamples: examples)
      }
    }
    return found
  }

  /// A response as documented, its `$ref` followed.
  func response(_ documented: Any?, in spec: [String: Any]) -> [String: Any]? {
    guard let documented = documented as? [String: Any] else { return nil }
    guard let reference = documented["$ref"] as? String else { return documented }
    let name = String(reference.split(separator: "/").last ?? "")
    return ((spec["components"] as? [String: Any])?["responses"] as? [String: Any])?[name]
      as? [String: Any]
  }

  @Test("every operation has a request example, path parameter examples and answer examples")
  func everyOperationHasExamples() throws {
    let spec = try spec()
    var missing: [String] = []
    for operation in try operations().values {
      let content =
        (operation.raw["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
      for (mediaType, value) in content where (value as? [String: Any])?["example"] == nil {
        missing.append("\(operation.id): request \(mediaType)")
      }
      for parameter in operation.raw["parameters"] as? [[String: Any]] ?? []
      where parameter["in"] as? String == "path" && parameter["example"] == nil {
        missing.append("\(operation.id): path parameter \(parameter["name"] ?? "")")
      }
      for (status, documented) in operation.documented where status.hasPrefix("2") {
        let answer = response(documented, in: spec)
        for (mediaType, value) in answer?["content"] as? [String: Any] ?? [:]
        where (value as? [String: Any])?["example"] == nil {
          missing.append("\(operation.id): \(status) \(mediaType)")
        }
      }
    }
    #expect(missing.isEmpty, "\(missing.sorted())")
  }

  @Test("every example, of a request or an answer, fits its own schema")
  func examplesFitTheirSchemas() throws {
    let spec = try spec()
    let validator = SchemaValidator(spec: spec)
    var checked = 0
    func check(_ content: Any?, _ place: String) {
      for (mediaType, value) in content as? [String: Any] ?? [:] {
        guard let media = value as? [String: Any], let example = media["example"],
          let schema = media["schema"] as? [String: Any]
        else { continue }
        let problems = validator.problems(example, schema)
        #expect(problems.isEmpty, "\(place) \(mediaType): \(problems)")
        checked += 1
      }
    }
    for operation in try operations().values {
      check(
        (operation.raw["requestBody"] as? [String: Any])?["content"], "\(operation.id) request")
      for (status, documented) in operation.documented {
        check(response(documented, in: spec)?["content"], "\(operation.id) \(status)")
      }
    }
    #expect(checked >= 45)
  }

  @Test(
    "every request example is answered as documented, in the documented shape; every link it offers works"
  )
  func examplesAndLinks() async throws {
    let spec = try spec()
    let validator = SchemaValidator(spec: spec)
    let operations = try operations()
    // Signed with AWS SigV4, which a fixed example cannot carry: SESEndToEndTests sends
    // these with boto3. Reached by links instead, from the ids the examples create:
    // getDecision, liftSuppression. Erasing comes last.
    let signed = operations.values.filter { $0.credentials == .awsSignature }.map(\.id)
    let linkedOnly: Set = ["getDecision", "liftSuppression", "reviewDecisionPage"]
    let first = ["recordConsent", "addSuppression", "submitMessage"]
    let rest = operations.keys.filter {
      !first.contains($0) && !signed.contains($0) && !linkedOnly.contains($0)
        && $0 != "eraseCustomer"
    }.sorted()
    var linksFollowed = 0
    var sent: [String] = []

    /// The documented answer for the status, and its body checked against its schema.
    func expectDocumented(_ operation: Operation, _ reply: GatewayServer.Reply, _ what: String) {
      let status = String(reply.status)
      let has2xx = operation.documented.keys.contains { $0.hasPrefix("2") }
      #expect(
        status.hasPrefix("2") || (!has2xx && operation.documented[status] != nil),
        "\(what): \(reply.status) \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
      guard let answer = response(operation.documented[status], in: spec) else {
        Issue.record("\(what): \(status) is not documented")
        return
      }
      let content = answer["content"] as? [String: Any] ?? [:]
      for (mediaType, value) in content where mediaType.hasSuffix("json") {
        guard let schema = (value as? [String: Any])?["schema"] as? [String: Any],
          let body = try? JSONSerialization.jsonObject(with: reply.body)
        else { continue }
        let problems = validator.problems(body, schema)
        #expect(problems.isEmpty, "\(what): the answer breaks its schema: \(problems)")
      }
    }

    try await GatewayServer.with { server in
      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "c1", scope: .category("marketing")))
      for id in first + rest + ["eraseCustomer"] {
        let operation = try #require(operations[id])
        let (body, contentType) = try Self.encode(operation)
        var headers: [(String, String)] = []
        if operation.credentials == .basic, let key = server.keys["admin"] {
          headers.append(
            ("Authorization", "Basic " + Data("api:\(key)".utf8).base64EncodedString()))
        }
        let path = operation.examplePath.replacingOccurrences(
          of: operation.pathExamples["token"] ?? "{token}", with: token)
        let reply = try await server.send(
          operation.method, path, scope: operation.credentials == .bearer ? "admin" : nil,
          body: body, contentType: contentType, headers: headers)
        expectDocumented(operation, reply, id)
        sent.append(id)
        guard let answer = response(operation.documented[String(reply.status)], in: spec) else {
          continue
        }
        for (name, value) in answer["links"] as? [String: Any] ?? [:] {
          let link = try #require(value as? [String: Any])
          let target = try #require(
            operations[link["operationId"] as? String ?? ""], "\(id) → \(name)")
          var path = target.path
          var query: [String] = []
          for (parameter, expression) in link["parameters"] as? [String: String] ?? [:] {
            let value = try #require(
              Self.resolve(
                expression, request: operation.body, path: operation.pathExamples,
                response: reply.json),
              "\(id) → \(name): \(expression)")
            if path.contains("{\(parameter)}") {
              path = path.replacingOccurrences(of: "{\(parameter)}", with: value)
            } else {
              query.append("\(parameter)=\(value)")
            }
          }
          if !query.isEmpty { path += "?" + query.joined(separator: "&") }
          let followed = try await server.call(target.method, path)
          expectDocumented(target, followed, "\(id) → \(name) (\(target.method) \(path))")
          linksFollowed += 1
        }
      }
    }
    #expect(linksFollowed >= 12)
    // Every operation is sent or linked to but the signed ones.
    #expect(Set(sent).union(linkedOnly).union(signed) == Set(operations.keys))
  }

  /// The request example as bytes of its media type; nil for an operation with no body.
  static func encode(_ operation: Operation) throws -> (Data?, String) {
    guard let example = operation.example, let mediaType = operation.mediaType else {
      return (nil, "application/json")
    }
    switch mediaType {
    case "application/json":
      return (try JSONSerialization.data(withJSONObject: example), mediaType)
    case "application/x-www-form-urlencoded":
      var allowed = CharacterSet.alphanumerics
      allowed.insert(charactersIn: "-._~")
      let fields = (example as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map {
        let name = $0.key.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.key
        let value = "\($0.value)".addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        return "\(name)=\(value)"
      }
      return (Data(fields.joined(separator: "&").utf8), mediaType)
    case "multipart/form-data":
      let boundary = "example-boundary-7d1f"
      var text = ""
      for (name, value) in (example as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\""
        text += name == "message" ? "; filename=\"message.eml\"\r\n\r\n" : "\r\n\r\n"
        text += "\(value)\r\n"
      }
      text += "--\(boundary)--\r\n"
      return (Data(text.utf8), "multipart/form-data; boundary=\(boundary)")
    case "application/yaml":
      let text = try example as? String ?? Yams.dump(object: example)
      return (Data(text.utf8), mediaType)
    default:
      return (Data("\(example)".utf8), mediaType)
    }
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
      if let array = node as? [Any], let index = Int(key) {
        node = array.indices.contains(index) ? array[index] : nil
      } else {
        node = (node as? [String: Any])?[String(key)]
      }
    }
    return node as? String
  }
}
