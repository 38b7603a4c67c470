import Foundation
import GovernorCore
import GovernorDelivery
import GovernorHTTP
import GovernorService
import GovernorStore
import ServiceFixtures
import Testing
import Yams

/// `openapi.yaml` at the repository root must describe exactly the routes the gateway serves.
@Suite("OpenAPI spec")
struct OpenAPISpecTests {
  static let specPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("openapi.yaml").path

  func spec() throws -> [String: Any] {
    let text = try String(contentsOfFile: Self.specPath, encoding: .utf8)
    return try #require(try Yams.load(yaml: text) as? [String: Any])
  }

  func operations(_ spec: [String: Any]) -> [String: [String: Any]] {
    var found: [String: [String: Any]] = [:]
    for (path, item) in spec["paths"] as? [String: Any] ?? [:] {
      for (method, operation) in item as? [String: Any] ?? [:] {
        if let operation = operation as? [String: Any] {
          found["\(method.uppercased()) \(path)"] = operation
        }
      }
    }
    return found
  }

  func served() throws -> [String] {
    let store = try SQLiteStore(
      path: FileManager.default.temporaryDirectory
        .appendingPathComponent("spec-\(UUID().uuidString).sqlite").path)
    let gateway = Gateway(
      store: store, policy: try ServiceFixture.policy(max: 1),
      sender: OutboxSender(folder: NSTemporaryDirectory()))
    return GatewayRoutes.served(gateway)
  }

  @Test("every served route is in the spec and every spec operation is served")
  func routesMatch() throws {
    let served = Set(try served())
    let described = Set(operations(try spec()).keys)
    #expect(served.subtracting(described).sorted() == [], "served but not in openapi.yaml")
    #expect(described.subtracting(served).sorted() == [], "in openapi.yaml but not served")
    #expect(served.count >= 14)
  }

  @Test("every operation that needs a key documents 401, and every $ref resolves")
  func operationsComplete() throws {
    let spec = try spec()
    for (name, operation) in operations(spec) {
      let responses = operation["responses"] as? [String: Any] ?? [:]
      let open = (operation["security"] as? [Any])?.isEmpty == true
      if !open { #expect(responses["401"] != nil, "\(name) does not document 401") }
      #expect(operation["operationId"] is String, "\(name) has no operationId")
    }
    let text = try String(contentsOfFile: Self.specPath, encoding: .utf8)
    let components = spec["components"] as? [String: Any] ?? [:]
    let regex = try Regex(##"\$ref: "#/components/(\w+)/(\w+)""##)
    for match in text.matches(of: regex) {
      let kind = String(text[match.output[1].range!])
      let name = String(text[match.output[2].range!])
      #expect((components[kind] as? [String: Any])?[name] != nil, "unresolved \(kind)/\(name)")
    }
  }
}
