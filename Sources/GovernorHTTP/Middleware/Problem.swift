import Foundation
import GovernorCore
import GovernorService
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem details response (`application/problem+json`). Thrown, it is the
/// answer: a handler or middleware throws `Problem.notFound(…)` and Hummingbird sends it.
struct Problem: Encodable, HTTPResponseError {
  var type: String
  var title: String
  var statusCode: Int
  var detail: String
  /// Every field that was wrong, as `{field, problem}`.
  var errors: [FieldProblem]?
  /// A reused message id, and the decision made under it first.
  var messageId: String?
  var decisionId: String?
  /// `WWW-Authenticate` of a 401: what the client should send.
  var challenge: String?
  /// `Retry-After` of a 429 or 503, in seconds.
  var retryAfter: Int?

  enum CodingKeys: String, CodingKey {
    case type, title, detail, errors
    case statusCode = "status"
    case messageId = "message_id"
    case decisionId = "decision_id"
  }

  init(
    type: String, title: String, status: Int, detail: String, errors: [FieldProblem]? = nil,
    messageId: String? = nil, decisionId: String? = nil
  ) {
    self.type = type
    self.title = title
    self.statusCode = status
    self.detail = detail
    self.errors = errors
    self.messageId = messageId
    self.decisionId = decisionId
  }

  var status: HTTPResponse.Status { .init(code: statusCode) }

  func response(from request: Request, context: some RequestContext) -> Response { response }

  static func messageIdReused(_ conflict: MessageIdConflict) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/message-id-reused",
      title: "The message id was used for another message", status: 409,
      detail: "message id '\(conflict.messageId)' was decided before (\(conflict.decisionId)) "
        + "for a message with another customer, recipient or content; nothing was decided or "
        + "sent for this one. A retry must repeat the message exactly; a new message needs a "
        + "new id",
      messageId: conflict.messageId, decisionId: conflict.decisionId)
  }

  static func invalid(_ record: InvalidRecord) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/invalid-field", title: "A field is invalid",
      status: 422, detail: record.description, errors: record.problems)
  }

  /// 400 when the body as a whole is unusable (not JSON, not UTF-8), 422 naming the fields
  /// otherwise.
  static func refusing(_ record: InvalidRecord) -> Problem {
    record.problems.first?.field == "body" ? badBody(record.description) : invalid(record)
  }

  static func badBody(_ detail: String) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/bad-body", title: "The body is not usable JSON",
      status: 400, detail: detail)
  }

  static func tooManyFailedAuthentications(retryAfter: Int) -> Problem {
    var problem = Problem(
      type: "https://mail-governor.dev/problems/too-many-failed-authentications",
      title: "Too many requests without a valid API key", status: 429,
      detail: "this address presented no valid key too many times within a minute; try again "
        + "in \(retryAfter) s")
    problem.retryAfter = retryAfter
    return problem
  }

  static func tooLarge(limit: Int) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/too-large", title: "The body is too large",
      status: 413, detail: "the body is larger than \(limit) bytes")
  }

  static func unauthenticated() -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/unauthenticated", title: "No valid API key",
      status: 401, detail: "send 'Authorization: Bearer mg_…' with a key from governor keys create")
  }

  static func forbidden(_ scopes: [Scope]) -> Problem {
    let names = scopes.map { "'\($0.rawValue)'" }.joined(separator: " or ")
    return Problem(
      type: "https://mail-governor.dev/problems/forbidden", title: "The key lacks a scope",
      status: 403, detail: "this needs an API key with the \(names) scope")
  }

  static func badQuery(_ problems: [FieldProblem]) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/bad-query",
      title: "A query parameter is invalid", status: 400,
      detail: problems.map(\.description).joined(separator: "; "), errors: problems)
  }

  static func invalidPolicy(_ error: PolicyError) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/invalid-policy", title: "The policy has errors",
      status: 422, detail: "\(error.diagnostics.count) problem(s) in the policy",
      errors: error.diagnostics.map {
        FieldProblem(field: "\($0.file):\($0.line):\($0.column)", problem: $0.message)
      })
  }

  static func badLink() -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/bad-unsubscribe-link",
      title: "The unsubscribe link is not valid", status: 400,
      detail: "the token in the link was not signed by this governor; nothing was changed")
  }

  static func badForm(_ detail: String) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/bad-form", title: "The form is not usable",
      status: 400, detail: detail)
  }

  static func badFeedback(_ problems: [FieldProblem]) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/bad-feedback",
      title: "The provider's events cannot be read", status: 400,
      detail: problems.map(\.description).joined(separator: "; ") + "; nothing was applied",
      errors: problems)
  }

  static func badEventSignature(_ detail: String) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/bad-event-signature",
      title: "The provider's events are not signed by the provider", status: 401,
      detail: detail + "; nothing was applied")
  }

  static func unconfirmedSubscription(_ url: String) -> Problem {
    Problem(
      type: "https://mail-governor.dev/problems/unconfirmed-subscription",
      title: "The SNS subscription was not confirmed", status: 502,
      detail: "SNS did not confirm the subscription at SubscribeURL \(url): it did not answer, "
        + "or not with 2xx")
  }

  static func notFound(_ detail: String) -> Problem {
    Problem(type: "about:blank", title: "Not found", status: 404, detail: detail)
  }

  /// The store could not be used (a full disk, its database restarting or out of reach):
  /// nothing was decided or sent, and the same request again is safe (what was decided is not
  /// decided twice). Why is in the gateway's log, not here: the client cannot act on it.
  static func unavailable() -> Problem {
    var problem = Problem(
      type: "https://mail-governor.dev/problems/store-unavailable", title: "Unavailable",
      status: 503,
      detail: "the governor's store cannot be used right now; nothing was decided or sent. "
        + "Send the same request again after Retry-After seconds")
    problem.retryAfter = StoreUnavailable.retryAfter
    return problem
  }

  static func internalError() -> Problem {
    Problem(
      type: "about:blank", title: "Internal error", status: 500,
      detail: "the request could not be completed; nothing was sent")
  }

  var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let body = (try? encoder.encode(self)) ?? Data(#"{"status":500}"#.utf8)
    return String(decoding: body, as: UTF8.self)
  }

  var response: Response {
    var headers: HTTPFields = [.contentType: "application/problem+json"]
    if let challenge { headers[.wwwAuthenticate] = challenge }
    if let retryAfter { headers[.retryAfter] = String(retryAfter) }
    return Response(
      status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
  }
}

/// Query parameters that cannot be used, each named.
struct BadQuery: Error {
  var problems: [FieldProblem]

  init(_ parameter: String, _ problem: String) {
    problems = [FieldProblem(field: parameter, problem: problem)]
  }
}
