import Foundation
import GovernorCore
import Testing
import Yams

/// `GET /v1/openapi.yaml`: the shipped description, with the policy in force written in as
/// enums, and nothing else changed.
@Suite("The gateway's own openapi.yaml")
struct DeploymentSpecTests {
  @Test("it is openapi.yaml with the policy's categories, purposes and kinds as enums")
  func servedSpec() async throws {
    try await GatewayServer.with { server in
      let reply = try await server.call("GET", "/v1/openapi.yaml", scope: "send")
      #expect(reply.status == 200)
      let text = String(decoding: reply.body, as: UTF8.self)
      var served = try #require(try Yams.load(yaml: text) as? [String: Any])
      let file = try #require(
        try Yams.load(yaml: String(contentsOfFile: OpenAPISpecTests.specPath, encoding: .utf8))
          as? [String: Any])
      let policy = server.gateway.policy
      let categories = policy.categories.map(\.name)

      func take(_ path: [String]) -> Any? {
        Self.remove(path, from: &served)
      }
      let schemas = ["components", "schemas"]
      #expect(
        take(schemas + ["Message", "properties", "category", "enum"]) as? [String] == categories)
      #expect(
        take(schemas + ["ConsentInput", "properties", "purpose", "enum"]) as? [String]
          == policy.consent.purposes.map(\.name))
      #expect(
        take(schemas + ["ConsentInput", "properties", "kind", "enum"]) as? [String]
          == policy.consent.kinds.map(\.name))
      #expect(
        take(schemas + ["SuppressionInput", "properties", "scope", "enum"]) as? [String]
          == ["all"] + categories)
      #expect(
        take([
          "paths", "/v1/dry-run", "post", "requestBody", "content", "application/json", "schema",
          "properties", "campaign", "properties", "category", "enum",
        ]) as? [String] == categories)
      #expect(
        take([
          "paths", "/v2/email/outbound-emails", "post", "requestBody", "content",
          "application/json", "schema", "properties", "ListManagementOptions", "properties",
          "TopicName", "enum",
        ]) as? [String] == policy.categories.flatMap { [$0.name] + $0.aliases })
      #expect(
        take(schemas + ["SendGridCustomArgs", "properties", "category", "enum"]) as? [String]
          == policy.categories.flatMap { [$0.name] + $0.aliases })
      let named = take(["info", "x-governor-policy"]) as? [String: Any]
      #expect(named?["version"] as? String == policy.version)
      let description = take(["info", "description"]) as? String
      #expect(description?.contains(policy.version) == true)
      _ = Self.remove(["info", "description"], from: &served)

      var expected = file
      _ = Self.remove(["info", "description"], from: &expected)
      #expect(NSDictionary(dictionary: served).isEqual(to: expected), "more than the enums changed")
    }
  }

  /// Takes the value at `path` out of nested mappings, and returns it.
  static func remove(_ path: [String], from object: inout [String: Any]) -> Any? {
    guard let key = path.first else { return nil }
    if path.count == 1 { return object.removeValue(forKey: key) }
    guard var child = object[key] as? [String: Any] else { return nil }
    let removed = remove(Array(path.dropFirst()), from: &child)
    object[key] = child
    return removed
  }
}
