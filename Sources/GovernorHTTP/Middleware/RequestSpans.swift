import GovernorService
import HTTPTypes
import Hummingbird
import Instrumentation
import Tracing

/// A server span for each request, named by its route (`POST /v1/messages`), with the
/// method, the route, the status and the ids of the decisions it made. Unlike Hummingbird's
/// `TracingMiddleware` it records no path, query, client address or header: paths carry
/// customer ids and unsubscribe tokens.
struct RequestSpans: RouterMiddleware {
  typealias Context = GatewayRequestContext

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    var parent = ServiceContext.current ?? .topLevel
    InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: FieldReader())
    let span = startSpan(request.method.rawValue, context: parent, ofKind: .server)
    span.attributes["http.request.method"] = request.method.rawValue
    let trail = DecisionTrail()
    defer {
      span.operationName = "\(request.method.rawValue) \(context.endpointPath ?? "(no route)")"
      span.attributes["http.route"] = context.endpointPath
      let ids = trail.decisionIds
      if ids.count == 1 {
        span.attributes["governor.decision_id"] = ids[0]
      } else if !ids.isEmpty {
        span.attributes["governor.decision_ids"] = ids
      }
      span.end()
    }
    do {
      let response = try await ServiceContext.$current.withValue(span.context) {
        try await DecisionTrail.$current.withValue(trail) { try await next(request, context) }
      }
      span.attributes["http.response.status_code"] = Int(response.status.code)
      return response
    } catch {
      let status = (error as? any HTTPResponseError)?.status.code ?? 500
      span.attributes["http.response.status_code"] = status
      if status >= 500 { Spans.failed(span, error) }
      throw error
    }
  }

  /// Reads `traceparent` (and whatever else the propagator wants) from the request.
  struct FieldReader: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
      HTTPField.Name(key).flatMap { fields[$0] }
    }
  }
}
