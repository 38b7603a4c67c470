import GovernorCore
import Synchronization
import Yams

/// The deployment's spec, made on its first request and kept: a gateway's policy does not
/// change while it runs, and reading and writing 100 KB of YAML on every request, or on
/// every start (each route test builds a gateway), would be work for nothing.
final class ServedSpec: Sendable {
  private let policy: Policy
  private let made = Mutex<String?>(nil)

  init(policy: Policy) {
    self.policy = policy
  }

  func yaml() throws -> String {
    if let text = made.withLock({ $0 }) { return text }
    let text = try DeploymentSpec.yaml(for: policy)
    made.withLock { $0 = text }
    return text
  }
}

/// `openapi.yaml` as this gateway serves it: the shipped text with the policy in force written
/// into it. The file can only say "a category of the policy"; a deployment knows which, so its
/// copy lists them as enums, and a client generated from it, or a fuzzer, sends only names this
/// gateway takes.
enum DeploymentSpec {
  static func yaml(for policy: Policy) throws -> String {
    var spec = try Yams.compose(yaml: OpenAPISpecText.yaml) ?? Node.mapping([:])
    let categories = policy.categories.map(\.name)
    let purposes = policy.consent.purposes.map(\.name)
    let kinds = policy.consent.kinds.map(\.name)

    spec["info"]?["x-governor-policy"] = [
      "name": Node(policy.name), "version": Node(policy.version),
    ]
    let description = spec["info"]?["description"]?.string ?? ""
    spec["info"]?["description"] = Node(
      description + "\nThis copy is the gateway's own: its enums name the categories, purposes "
        + "and consent kinds of policy \(policy.name) (\(policy.version)).\n")
    func restrict(_ path: [String], to values: [String]) {
      spec[path: path + ["enum"]] = Node(values.map { Node($0) })
    }
    let schemas = ["components", "schemas"]
    restrict(schemas + ["Message", "properties", "category"], to: categories)
    restrict(schemas + ["ConsentInput", "properties", "purpose"], to: purposes)
    restrict(schemas + ["ConsentInput", "properties", "kind"], to: kinds)
    restrict(schemas + ["SuppressionInput", "properties", "scope"], to: ["all"] + categories)
    let dryRun = [
      "paths", "/v1/dry-run", "post", "requestBody", "content", "application/json", "schema",
      "properties", "campaign", "properties", "category",
    ]
    restrict(dryRun, to: categories)
    let labels = policy.categories.flatMap { [$0.name] + $0.aliases }
    restrict(
      [
        "paths", "/v2/email/outbound-emails", "post", "requestBody", "content",
        "application/json", "schema", "properties", "ListManagementOptions", "properties",
        "TopicName",
      ], to: labels)
    restrict(schemas + ["SendGridCustomArgs", "properties", "category"], to: labels)
    return try Yams.serialize(node: spec, width: -1, allowUnicode: true)
  }
}

extension Node {
  /// The node at `path` of mapping keys; setting it replaces only an existing node's value or
  /// adds the last key to an existing mapping.
  fileprivate subscript(path path: [String]) -> Node? {
    get {
      path.reduce(Optional(self)) { node, key in node?[key] }
    }
    set {
      guard let key = path.first else {
        if let newValue { self = newValue }
        return
      }
      guard var child = self[key] ?? (path.count == 1 ? newValue : nil) else { return }
      child[path: Array(path.dropFirst())] = newValue
      self[key] = child
    }
  }
}
