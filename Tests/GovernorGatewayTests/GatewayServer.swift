import Foundation
import GovernorCore
import GovernorDelivery
import GovernorGateway
import GovernorStore
import Hummingbird
import TestPeers

/// A gateway served over real HTTP on a free loopback port, in this process, with a key per
/// scope, two consenting customers (`c1`, `c2`) and an outbox sender.
struct GatewayServer {
  let base: String
  let store: SQLiteStore
  let gateway: Gateway
  let outbox: String
  /// One key per scope, by scope name; `admin` holds every scope.
  let keys: [String: String]
  let client: CurlTransport

  static let now = Date(timeIntervalSince1970: 1_795_000_000)  // Wed 2026-11-18 11:06:40 UTC

  static func policy(max: Int) throws -> Policy {
    let yaml = """
      name: route-test
      consent:
        purposes: {marketing: {}, tracking: {}}
      categories:
        transactional: {consent: [], caps: false, quiet_hours: false}
        marketing: {consent: [marketing]}
      caps:
        - {id: weekly, max: \(max), within: 7d}
      tracking: {consent_purpose: tracking}
      headers:
        list_unsubscribe:
          categories: [marketing]
          url: https://mail.example.com/u/{token}
          mailto: unsubscribe@example.com
      """
    return try PolicyLoader.load(Data(yaml.utf8), file: "route-test.yaml").get()
  }

  /// A SQLite store in `folder` whose customers have granted marketing consent a day ago.
  static func store(at folder: String, consenting customers: [String], policy: Policy, now: Date)
    async throws -> SQLiteStore
  {
    let store = try SQLiteStore(path: folder + "/governor.sqlite")
    let validator = RecordValidator(policy: policy)
    for id in customers {
      try await store.saveCustomer(
        validator.profile(CustomerProfile(id: id, email: "\(id)@example.com", timeZone: "UTC")))
      try await store.recordConsent(
        validator.consent(
          ConsentEvent(purpose: "marketing", status: .granted, at: now - 86_400, source: "form"),
          now: now),
        customerId: id)
    }
    return store
  }

  static func with(
    capMax: Int = 2, confirming: SubscriptionFetcher? = nil, policyFile: String? = nil,
    _ body: (GatewayServer) async throws -> Void
  ) async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("routes-\(UUID().uuidString)").path
    let policy = try policy(max: capMax)
    let store = try await store(at: folder, consenting: ["c1", "c2"], policy: policy, now: now)
    try await store.savePolicyText(
      policy.text, name: policy.name, version: policy.version, at: now)
    var keys: [String: String] = [:]
    for scope in Scope.allCases {
      let (key, record) = APIKeys.generate(name: scope.rawValue, scopes: [scope], at: now)
      try await store.saveAPIKey(record)
      keys[scope.rawValue] = key
    }
    let outbox = folder + "/outbox"
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: outbox),
      confirmSubscription: confirming?.fetch, policyFile: policyFile, clock: { now })
    let client = CurlTransport(configuration: .init(maxConcurrent: 4))
    defer { client.shutdown() }
    // The application `governor serve` runs, deferred-release scheduler included.
    try await withLoopbackApplication(label: "route-test") { logger, listening in
      buildApplication(
        gateway, host: "127.0.0.1", port: 0, logger: logger, onServerRunning: listening)
    } _: { port in
      try await body(
        GatewayServer(
          base: "http://127.0.0.1:\(port)", store: store, gateway: gateway, outbox: outbox,
          keys: keys, client: client))
    }
  }

  struct Reply {
    var status: Int
    var contentType: String?
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
      ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:]
    }
    /// `record.decision` of a `POST /v1/messages` answer.
    var decision: [String: Any] {
      ((json["record"] as? [String: Any])?["decision"] as? [String: Any]) ?? [:]
    }
    var outcome: String? { decision["outcome"] as? String }
    var codes: [String] {
      (decision["reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }
    /// The fields problem+json names in `errors`.
    var problemFields: [String] {
      (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
  }

  /// `scope` picks the key; nil sends none.
  func call(
    _ method: String, _ path: String, scope: String? = "admin", body: String? = nil,
    contentType: String = "application/json", headers extra: [(String, String)] = []
  ) async throws -> Reply {
    var headers = extra
    if body != nil { headers.append(("Content-Type", contentType)) }
    if let scope, let key = keys[scope] { headers.append(("Authorization", "Bearer \(key)")) }
    let response = try await client.send(
      SenderRequest(
        method: method, url: base + path, headers: headers,
        body: body.map { Data($0.utf8) } ?? Data()))
    return Reply(
      status: response.status, contentType: response.headers["content-type"], body: response.body)
  }

  static func message(
    _ id: String, customer: String = "c1", category: String = "marketing",
    campaign: String = "spring"
  ) -> String {
    """
    {"id":"\(id)","customer_id":"\(customer)","to":"\(customer)@example.com",\
    "from":"news@shop.example","subject":"Hello","text":"Hi","category":"\(category)",\
    "campaign_id":"\(campaign)"}
    """
  }
}

/// Stands in for fetching an SNS SubscribeURL (a struct, not a bare closure, so a test's
/// trailing closure is never mistaken for it).
struct SubscriptionFetcher {
  var fetch: @Sendable (String) async -> Bool
}
