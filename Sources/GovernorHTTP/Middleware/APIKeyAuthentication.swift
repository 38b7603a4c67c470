import GovernorService
import Hummingbird

/// Lets a request through with a valid key holding one of `scopes` (an empty list takes any
/// valid key) and puts the key in the context: 401 without a valid key, 403 without a scope.
/// The key is never logged, only its id.
struct APIKeyAuthentication: RouterMiddleware {
  typealias Context = GatewayRequestContext

  /// What a 401 asks the client for.
  enum Challenge {
    case bearer
    /// A browser shows its own login box for Basic, not for Bearer; the key is the password.
    case basicForBrowsers

    var header: String {
      switch self {
      case .bearer: "Bearer"
      case .basicForBrowsers: #"Basic realm="Mail Governor review", charset="UTF-8""#
      }
    }
  }

  let keys: APIKeyCache
  let failures: FailedAuthentications
  let scopes: [Scope]
  var challenge = Challenge.bearer

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    if failures.anyCounted, let wait = failures.retryAfter(context.clientAddress) {
      throw Problem.tooManyFailedAuthentications(retryAfter: wait)
    }
    let key: APIKeyRecord?
    do {
      key = try await keys.authenticate(request.headers[.authorization])
    } catch let unavailable as StoreUnavailable {
      // The ESP-shaped routes answer it their own way; the rest through ProblemMiddleware.
      throw unavailable
    } catch {
      context.logger.error("key lookup failed", metadata: ["error": "\(error)"])
      throw Problem.internalError()
    }
    guard let key else {
      if failures.fail(context.clientAddress) {
        // Once per window, and never the credentials themselves.
        context.logger.warning(
          "repeated failed authentication: answering 429",
          metadata: ["client": "\(context.clientAddress)"])
      }
      var problem = Problem.unauthenticated()
      problem.challenge = challenge.header
      throw problem
    }
    guard scopes.isEmpty || scopes.contains(where: { APIKeys.allows(key, $0) }) else {
      throw Problem.forbidden(scopes)
    }
    var context = context
    context.apiKey = key
    return try await next(request, context)
  }
}
