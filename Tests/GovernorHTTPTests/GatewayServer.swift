import Foundation
import GovernorCore
import GovernorDelivery
import GovernorHTTP
import GovernorService
import GovernorStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceFixtures
import TestPeers

/// A gateway's application, as `governor serve` builds it (deferred-release scheduler
/// included), with a key per scope, two consenting customers (`c1`, `c2`) and an outbox
/// sender. Requests go straight to its router through HummingbirdTesting; a test that needs
/// a real socket (a browser) asks for `.live`, served on a free loopback port.
struct GatewayServer {
  enum Transport {
    case router
    case live
  }

  typealias Perform =
    @Sendable (_ method: String, _ path: String, _ headers: [(String, String)], _ body: Data)
    async throws -> Reply

  /// `http://127.0.0.1:PORT` of a `.live` server; nil on `.router`.
  let base: String?
  let store: SQLiteStore
  let gateway: Gateway
  let outbox: String
  /// One key per scope, by scope name; `admin` holds every scope.
  let keys: [String: String]
  private let perform: Perform

  static var now: Date { ServiceFixture.now }

  static func with(
    capMax: Int = 2, confirming: SubscriptionFetcher? = nil, policyFile: String? = nil,
    transport: Transport = .router, policy given: Policy? = nil, clock: MovableClock? = nil,
    sender: (any MailSender)? = nil, sendGridEvents: SendGridEventSignature? = nil,
    snsEvents: SNSMessageSignature? = nil,
    authFailureLimit: Int = 100_000,
    _ body: (GatewayServer) async throws -> Void
  ) async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("routes-\(UUID().uuidString)").path
    let policy = try given ?? ServiceFixture.policy(max: capMax)
    let store = try await ServiceFixture.store(
      at: folder, consenting: ["c1", "c2"], policy: policy, now: now)
    try await store.savePolicyText(
      policy.text, name: policy.name, version: policy.version, at: now)
    var keys: [String: String] = [:]
    for scope in Scope.allCases {
      let (key, record) = APIKeys.generate(name: scope.rawValue, scopes: [scope], at: now)
      try await store.saveAPIKey(record)
      keys[scope.rawValue] = key
    }
    let outbox = folder + "/outbox"
    let fixed: @Sendable () -> Date = { now }
    let mailSender: any MailSender = sender ?? OutboxSender(folder: outbox)
    let gateway = Gateway(
      store: store, policy: policy, sender: mailSender,
      confirmSubscription: confirming?.fetch, policyFile: policyFile,
      sendGridEvents: sendGridEvents, snsEvents: snsEvents,
      failedAuthentications: FailedAuthentications(limit: authFailureLimit),
      clock: clock?.read ?? fixed)
    let keysByScope = keys
    @Sendable func server(base: String?, _ perform: @escaping Perform) -> GatewayServer {
      GatewayServer(
        base: base, store: store, gateway: gateway, outbox: outbox, keys: keysByScope,
        perform: perform)
    }
    switch transport {
    case .router:
      var logger = Logger(label: "route-test")
      logger.logLevel = .critical
      let app = buildApplication(gateway, host: "127.0.0.1", port: 0, logger: logger)
      try await withoutActuallyEscaping(body) { body in
        let test = OnceCalled(body)
        try await app.test(.router) { client in
          try await test.body(
            server(base: nil) { method, path, headers, data in
              let response = try await client.execute(
                uri: path, method: HTTPRequest.Method(method) ?? .get,
                headers: HTTPFields(
                  headers.compactMap { name, value in
                    HTTPField.Name(name).map { HTTPField(name: $0, value: value) }
                  }),
                body: data.isEmpty ? nil : ByteBuffer(bytes: data))
              return Reply(
                status: Int(response.status.code),
                headers: Dictionary(
                  response.headers.map { ($0.name.canonicalName, $0.value) },
                  uniquingKeysWith: { first, _ in first }),
                body: Data(buffer: response.body))
            })
        }
      }
    case .live:
      let client = CurlTransport(configuration: .init(maxConcurrent: 4))
      defer { client.shutdown() }
      try await withLoopbackApplication(label: "route-test") { logger, listening in
        buildApplication(
          gateway, host: "127.0.0.1", port: 0, logger: logger, onServerRunning: listening)
      } _: { port in
        let base = "http://127.0.0.1:\(port)"
        try await body(
          server(base: base) { method, path, headers, data in
            let response = try await client.send(
              SenderRequest(method: method, url: base + path, headers: headers, body: data))
            return Reply(status: response.status, headers: response.headers, body: response.body)
          })
      }
    }
  }

  struct Reply {
    var status: Int
    /// By lowercased name.
    var headers: [String: String]
    var body: Data
    var contentType: String? { headers["content-type"] }
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
    try await send(
      method, path, scope: scope, body: body.map { Data($0.utf8) }, contentType: contentType,
      headers: extra)
  }

  /// As `call`, with a body of any bytes.
  func send(
    _ method: String, _ path: String, scope: String? = "admin", body: Data?,
    contentType: String = "application/json", headers extra: [(String, String)] = []
  ) async throws -> Reply {
    var headers = extra
    if body != nil { headers.append(("Content-Type", contentType)) }
    if let scope, let key = keys[scope] { headers.append(("Authorization", "Bearer \(key)")) }
    return try await perform(method, path, headers, body ?? Data())
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

/// `app.test` wants a `@Sendable` closure, though it calls it once, in the caller's task:
/// the tests' bodies capture their own state and need not be `Sendable` for that.
private struct OnceCalled: @unchecked Sendable {
  let body: (GatewayServer) async throws -> Void
  init(_ body: @escaping (GatewayServer) async throws -> Void) { self.body = body }
}
