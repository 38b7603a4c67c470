import GovernorCore
import GovernorService
import Hummingbird

/// Turns what the service refuses into RFC 9457 answers, once for every route: bad fields
/// 422 (400 for an unusable body), a reused message id 409, a bad query or form 400, a store
/// that cannot be used now 503 with `Retry-After`. Anything
/// unforeseen is logged and answered 500 without its details. `Problem`s and Hummingbird's own
/// errors pass through as they are.
struct ProblemMiddleware: RouterMiddleware {
  typealias Context = GatewayRequestContext
  let outages: StoreOutageLog

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as any HTTPResponseError {
      throw error
    } catch let invalid as InvalidRecord {
      throw Problem.refusing(invalid)
    } catch let conflict as MessageIdConflict {
      throw Problem.messageIdReused(conflict)
    } catch let query as BadQuery {
      throw Problem.badQuery(query.problems)
    } catch let form as BadForm {
      throw Problem.badForm(form.detail)
    } catch {
      if let unavailable = StoreUnavailable(classifying: error) {
        outages.note(unavailable, logger: context.logger)
        throw Problem.unavailable()
      }
      context.logger.error("request failed", metadata: ["error": "\(error)"])
      throw Problem.internalError()
    }
  }
}
