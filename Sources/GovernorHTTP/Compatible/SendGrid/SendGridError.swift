import Foundation
import GovernorCore
import HTTPTypes
import Hummingbird

/// An answer in SendGrid's own error shape (`{"errors":[{"message","field","help"}]}`), so
/// its SDKs raise their own exceptions (python-http-client's `BadRequestsError`,
/// `UnauthorizedError`, …) carrying the governor's message.
struct SendGridError: Error, HTTPResponseError {
  struct Item {
    var message: String
    var field: String?
    var help: String?

    init(message: String, field: String? = nil, help: String? = nil) {
      self.message = message
      self.field = field
      self.help = help
    }

    init(_ problem: FieldProblem) {
      self.init(message: problem.description, field: problem.field)
    }
  }

  var status: HTTPResponse.Status
  var errors: [Item]
  /// The 401's `WWW-Authenticate`, as every route of the governor answers it.
  var challenge: String?

  static func badRequest(_ message: String, field: String?, help: String? = nil) -> SendGridError {
    SendGridError(status: .badRequest, errors: [Item(message: message, field: field, help: help)])
  }

  func response(from request: Request, context: some RequestContext) -> Response {
    let items = errors.map { item in
      #"{"message":\#(JSONLiteral.string(item.message)),"field":\#(item.field.map(JSONLiteral.string) ?? "null"),"help":\#(item.help.map(JSONLiteral.string) ?? "null")}"#
    }
    var headers: HTTPFields = [.contentType: "application/json"]
    if let challenge { headers[.wwwAuthenticate] = challenge }
    return Response(
      status: status, headers: headers,
      body: .init(byteBuffer: ByteBuffer(string: #"{"errors":[\#(items.joined(separator: ","))]}"#))
    )
  }
}

/// Every error under `/v3` in SendGrid's shape: the governor's problems (a bad key, a body
/// too large, a field the rules refuse) keep their status and say the same thing.
struct SendGridErrorShape: RouterMiddleware {
  typealias Context = GatewayRequestContext

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as SendGridError {
      throw error
    } catch let problem as Problem {
      throw SendGridError(
        status: problem.status,
        errors: (problem.errors ?? []).isEmpty
          ? [SendGridError.Item(message: problem.detail)]
          : (problem.errors ?? []).map { SendGridError.Item($0) },
        challenge: problem.challenge)
    } catch let invalid as InvalidRecord {
      throw SendGridError(
        status: .badRequest, errors: invalid.problems.map { SendGridError.Item($0) })
    } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
      // Hummingbird's own 413 from `bodyData(upTo:)`.
      throw SendGridError(
        status: .contentTooLarge,
        errors: [SendGridError.Item(message: "The request body is larger than 30 MB.")])
    } catch {
      context.logger.error("request failed", metadata: ["error": "\(error)"])
      throw SendGridError(
        status: .internalServerError,
        errors: [SendGridError.Item(message: "Internal error: nothing was sent.")])
    }
  }
}
