import Foundation
import GovernorCore
import Hummingbird

extension GatewayRoutes {
  static func addPolicyRoutes(_ router: RouteTable, _ gateway: Gateway) {
    router.get("/v1/policy") { request, context -> Response in
      await guarded(request, [], gateway, context) { _, _ in
        let policy = gateway.engine.policy
        let text = try await gateway.policyText(version: policy.version)
        return json(
          try JSONText.object(PolicySummary(policy), adding: [("text", JSONText.quoted(text))]),
          status: .ok)
      }
    }
    // Checks a policy before it is deployed; the body is the YAML file itself.
    router.post("/v1/policy/check") { request, context -> Response in
      await guarded(request, [], gateway, context) { body, _ in
        let file = request.uri.queryParameters["file"].map(String.init) ?? "policy.yaml"
        // `file` only names the policy in diagnostics; its lists are read from beside the
        // served policy (the loader passes only entries under that folder).
        let loaded = PolicyLoader.load(body, file: file) { entry in
          gateway.policyFile.flatMap {
            FileManager.default.contents(atPath: PolicyLoader.listPath(entry, besides: $0))
          }
        }
        switch loaded {
        case .success(let policy):
          return json(
            try JSONText.object(PolicySummary(policy), adding: [("valid", "true")]), status: .ok)
        case .failure(let error):
          throw Problem.invalidPolicy(error)
        }
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
