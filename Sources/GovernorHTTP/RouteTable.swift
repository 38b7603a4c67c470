import GovernorService
import HTTPTypes
import Hummingbird

/// Registers routes on a Hummingbird router, in groups that share their authentication, and
/// remembers each as `METHOD /path`, so a test can hold the routes actually served against
/// `openapi.yaml` (Hummingbird's router does not list its routes).
final class RouteTable {
  typealias Context = GatewayRequestContext
  typealias Handler = @Sendable (Request, Context) async throws -> Response

  let router = Router(context: Context.self)
  private let keys: APIKeyCache
  private let failures: FailedAuthentications
  fileprivate(set) var entries: [String] = []

  init(
    keys: APIKeyCache, failures: FailedAuthentications, outages: StoreOutageLog,
    traced: Bool = false
  ) {
    self.keys = keys
    self.failures = failures
    // Outside ProblemMiddleware, so a span sees the status the client is answered with.
    if traced { router.add(middleware: RequestSpans()) }
    router.add(middleware: ProblemMiddleware(outages: outages))
  }

  /// Routes anyone may call: health, metrics, and links that carry their own signature.
  var open: Group { Group(table: self, group: router.group()) }

  /// Routes for a key with one of `scopes`; an empty list takes any valid key.
  func needing(_ scopes: [Scope], challenge: APIKeyAuthentication.Challenge = .bearer) -> Group {
    let group = router.group().add(
      middleware: APIKeyAuthentication(
        keys: keys, failures: failures, scopes: scopes, challenge: challenge))
    return Group(table: self, group: group)
  }

  /// As `needing(_:challenge:)`, with `shape` around authentication and the handlers: for
  /// the ESP-compatible routes, whose clients understand only their ESP's error bodies.
  func needing<Shape: RouterMiddleware>(_ scopes: [Scope], errorsShapedBy shape: Shape) -> Group
  where Shape.Context == Context {
    let group = router.group().add(middleware: shape).add(
      middleware: APIKeyAuthentication(
        keys: keys, failures: failures, scopes: scopes, challenge: .bearer))
    return Group(table: self, group: group)
  }

  /// Routes signed with SigV4 by a key's AWS credentials (the SES-compatible routes), their
  /// errors in `shape`.
  func signedAWS<Shape: RouterMiddleware>(_ gateway: Gateway, errorsShapedBy shape: Shape)
    -> Group
  where Shape.Context == Context {
    let group = router.group().add(middleware: shape).add(
      middleware: SignedAWSAuthentication(gateway: gateway))
    return Group(table: self, group: group)
  }

  struct Group {
    fileprivate let table: RouteTable
    fileprivate let group: RouterGroup<Context>

    func get(_ path: String, use handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, use handler: @escaping Handler) { add(.post, path, handler) }
    func put(_ path: String, use handler: @escaping Handler) { add(.put, path, handler) }
    func delete(_ path: String, use handler: @escaping Handler) { add(.delete, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
      group.on(RouterPath(path), method: method, use: handler)
      table.entries.append("\(method.rawValue) \(path)")
    }
  }
}
