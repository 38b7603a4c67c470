import Foundation
import GovernorCore
import GovernorService
import Hummingbird

extension GatewayRoutes {
  static func addPolicyRoutes(_ router: RouteTable, _ gateway: Gateway) {
    let anyKey = router.needing([])
    anyKey.get("/v1/policy") { _, _ -> Response in
      let policy = gateway.policy
      let text = try await gateway.policyText(version: policy.version)
      return json(
        try JSONText.object(PolicySummary(policy), adding: [("text", JSONText.quoted(text))]),
        status: .ok)
    }
    // The API description with this deployment's categories and purposes as enums.
    let spec = ServedSpec(policy: gateway.policy)
    anyKey.get("/v1/openapi.yaml") { _, _ -> Response in
      let text = try spec.yaml()
      return Response(
        status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    // Checks a policy before it is deployed; the body is the YAML file itself.
    anyKey.post("/v1/policy/check") { request, _ -> Response in
      let body = try await request.bodyData(upTo: bodyLimit)
      let file = request.uri.queryParameters["file"].map(String.init) ?? "policy.yaml"
      switch gateway.checkPolicy(body, file: file) {
      case .success(let policy):
        return json(
          try JSONText.object(PolicySummary(policy), adding: [("valid", "true")]), status: .ok)
      case .failure(let error):
        throw Problem.invalidPolicy(error)
      }
    }
  }
}

/// What a client needs to know about a policy without parsing its YAML.
struct PolicySummary: Encodable {
  var name: String
  var version: String
  var description: String?
  var categories: [String]
  var caps: [String]

  init(_ policy: Policy) {
    name = policy.name
    version = policy.version
    description = policy.summary
    categories = policy.categories.map(\.name)
    caps = policy.caps.map(\.id)
  }
}
