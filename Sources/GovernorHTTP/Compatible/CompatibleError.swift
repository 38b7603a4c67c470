import Foundation
import GovernorCore
import GovernorService
import HTTPTypes
import Hummingbird

/// An answer in the error shape of the API a route imitates, so that API's SDKs raise (or
/// return) their own errors carrying the governor's words: SendGrid's
/// `{"errors":[{"message","field","help"}]}` (python-http-client's `BadRequestsError`,
/// `UnauthorizedError`, …), Mailgun's `{"message"}`.
struct CompatibleError: Error, HTTPResponseError {
  enum Style {
    case sendGrid
    case mailgun
    /// SES v2 (REST-JSON): `x-amzn-ErrorType` names the error, `{"message"}` says it.
    case sesV2
    /// SES v1 (the Query API): `<ErrorResponse>` XML.
    case sesV1
  }

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
  /// A 429's or 503's `Retry-After`, in seconds.
  var retryAfter: Int?
  /// Set by the route group's `CompatibleErrorShape`.
  var style = Style.sendGrid
  /// Amazon's error code (`SignatureDoesNotMatch`); by status when not given.
  var code: String?

  var awsCode: String {
    if let code { return code }
    switch status.code {
    case 400: return style == .sesV1 ? "InvalidParameterValue" : "BadRequestException"
    case 401, 403: return "AccessDeniedException"
    case 413: return style == .sesV1 ? "InvalidParameterValue" : "BadRequestException"
    case 503: return "ServiceUnavailable"
    default: return "InternalFailure"
    }
  }

  static func badRequest(_ message: String, field: String?, help: String? = nil) -> CompatibleError
  {
    CompatibleError(status: .badRequest, errors: [Item(message: message, field: field, help: help)])
  }

  func response(from request: Request, context: some RequestContext) -> Response {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let challenge { headers[.wwwAuthenticate] = challenge }
    if let retryAfter { headers[.retryAfter] = String(retryAfter) }
    let text = errors.map { item in
      item.field.map { "\($0): \(item.message)" } ?? item.message
    }.joined(separator: "; ")
    switch style {
    case .sesV2:
      headers[HTTPField.Name("x-amzn-ErrorType")!] = awsCode
      return Response(
        status: status, headers: headers,
        body: .init(byteBuffer: ByteBuffer(string: #"{"message":\#(JSONLiteral.string(text))}"#)))
    case .sesV1:
      headers[.contentType] = "text/xml"
      let kind = status.code >= 500 ? "Receiver" : "Sender"
      return Response(
        status: status, headers: headers,
        body: .init(
          byteBuffer: ByteBuffer(
            string: SESXML.document(
              "ErrorResponse",
              "<Error><Type>\(kind)</Type><Code>\(SESXML.escape(awsCode))</Code><Message>"
                + "\(SESXML.escape(text))</Message></Error><RequestId>\(UUID().uuidString.lowercased())</RequestId>"
            ))))
    case .sendGrid, .mailgun:
      break
    }
    guard style == .sendGrid else {
      let message = errors.map { item in
        item.field.map { "\($0): \(item.message)" } ?? item.message
      }.joined(separator: "; ")
      return Response(
        status: status, headers: headers,
        body: .init(byteBuffer: ByteBuffer(string: #"{"message":\#(JSONLiteral.string(message))}"#))
      )
    }
    let items = errors.map { item in
      #"{"message":\#(JSONLiteral.string(item.message)),"field":\#(item.field.map(JSONLiteral.string) ?? "null"),"help":\#(item.help.map(JSONLiteral.string) ?? "null")}"#
    }
    return Response(
      status: status, headers: headers,
      body: .init(byteBuffer: ByteBuffer(string: #"{"errors":[\#(items.joined(separator: ","))]}"#))
    )
  }
}

/// Every error of an imitated API's routes in that API's shape: the governor's problems (a
/// bad key, a body too large, a field the rules refuse) keep their status and say the same
/// thing.
struct CompatibleErrorShape: RouterMiddleware {
  typealias Context = GatewayRequestContext

  var style = CompatibleError.Style.sendGrid
  let outages: StoreOutageLog

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch {
      var shaped = shape(error, context)
      shaped.style = style
      throw shaped
    }
  }

  private func shape(_ error: any Error, _ context: Context) -> CompatibleError {
    switch error {
    case let error as CompatibleError:
      return error
    case let problem as Problem:
      var shaped = CompatibleError(
        status: problem.status,
        errors: (problem.errors ?? []).isEmpty
          ? [CompatibleError.Item(message: problem.detail)]
          : (problem.errors ?? []).map { CompatibleError.Item($0) },
        challenge: problem.challenge)
      shaped.retryAfter = problem.retryAfter
      return shaped
    case let unavailable as StoreUnavailable:
      outages.note(unavailable, logger: context.logger)
      let problem = Problem.unavailable()
      var shaped = CompatibleError(
        status: problem.status, errors: [CompatibleError.Item(message: problem.detail)])
      shaped.retryAfter = problem.retryAfter
      return shaped
    case let invalid as InvalidRecord:
      return CompatibleError(
        status: .badRequest, errors: invalid.problems.map { CompatibleError.Item($0) })
    case let error as any HTTPResponseError where error.status == .contentTooLarge:
      // Hummingbird's own 413 from `bodyData(upTo:)`.
      return CompatibleError(
        status: .contentTooLarge,
        errors: [CompatibleError.Item(message: "The request body is larger than 30 MB.")])
    default:
      context.logger.error("request failed", metadata: ["error": "\(error)"])
      return CompatibleError(
        status: .internalServerError,
        errors: [CompatibleError.Item(message: "Internal error: nothing was sent.")])
    }
  }
}
