import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Sends a governor API key (`mg_ID_SECRET`) with every request. The spec names the scheme
/// (`bearer`), but the generated client adds no credentials itself: a middleware does.
public struct BearerKey: ClientMiddleware {
  private let key: String

  public init(_ key: String) {
    self.key = key
  }

  public func intercept(
    _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
    next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
  ) async throws -> (HTTPResponse, HTTPBody?) {
    var request = request
    request.headerFields[.authorization] = "Bearer \(key)"
    return try await next(request, body, baseURL)
  }
}
