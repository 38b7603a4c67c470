import HTTPTypes
import Hummingbird

/// Registers routes on a Hummingbird router and remembers each as `METHOD /path`, so a test
/// can hold the routes actually served against `openapi.yaml` (Hummingbird's router does not
/// list its routes).
final class RouteTable {
  typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response

  let router = Router(context: BasicRequestContext.self)
  private(set) var entries: [String] = []

  func get(_ path: String, use handler: @escaping Handler) { add(.get, path, handler) }
  func post(_ path: String, use handler: @escaping Handler) { add(.post, path, handler) }
  func put(_ path: String, use handler: @escaping Handler) { add(.put, path, handler) }
  func delete(_ path: String, use handler: @escaping Handler) { add(.delete, path, handler) }

  private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
    router.on(RouterPath(path), method: method, use: handler)
    entries.append("\(method.rawValue) \(path)")
  }
}
