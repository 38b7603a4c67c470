import Foundation
import GovernorService
import HTTPTypes
import Hummingbird

/// Lets a request through when it is signed (SigV4) with the AWS credentials of a governor
/// key holding `send`, and puts the key in the context. The body is read here, since the
/// signature covers it; the handler reads it again from memory.
struct SignedAWSAuthentication: RouterMiddleware {
  typealias Context = GatewayRequestContext

  let gateway: Gateway
  static let bodyLimit = 30 << 20

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    // A request with no SigV4 header at all is refused before its body is read: the body
    // is read into memory (the signature covers it), and a client without credentials must
    // not make the server hold 30 MB for it.
    guard let header = request.headers[.authorization], header.hasPrefix(SigV4.algorithm + " ")
    else { throw Self.refusal(gateway.aws == nil ? .notConfigured : .signature(.missing)) }
    do {
      _ = try SigV4.parse(header)
    } catch {
      throw Self.refusal(.signature(error))
    }
    var request = request
    let body = try await request.collectBody(upTo: Self.bodyLimit)
    var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
    // HTTP/1.1's Host arrives as the authority; botocore signs it as `host`.
    if let authority = request.head.authority { headers.append((name: "host", value: authority)) }
    let signed = SigV4.Request(
      method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
      headers: headers, body: Array(buffer: body))
    let key: APIKeyRecord
    do {
      key = try await gateway.authenticateSigned(signed)
    } catch {
      throw Self.refusal(error)
    }
    guard APIKeys.allows(key, .send) else {
      var refusal = CompatibleError(
        status: .forbidden,
        errors: [CompatibleError.Item(message: "The key lacks the 'send' scope")])
      refusal.code = "AccessDeniedException"
      throw refusal
    }
    var context = context
    context.apiKey = key
    return try await next(request, context)
  }

  /// Each refusal under the code AWS gives it, so botocore's `ClientError` names it.
  static func refusal(_ refusal: SignedRequestRefusal) -> CompatibleError {
    let (status, code, message): (HTTPResponse.Status, String, String)
    switch refusal {
    case .notConfigured:
      (status, code, message) = (
        .forbidden, "UnrecognizedClientException",
        "This governor issues no AWS credentials: start it with "
          + "\(AWSCredentials.environmentVariable) set"
      )
    case .unavailable:
      (status, code, message) = (
        .serviceUnavailable, "ServiceUnavailable", "The governor's store could not be read"
      )
    case .signature(.missing):
      (status, code, message) = (
        .forbidden, "MissingAuthenticationTokenException",
        "Missing Authentication Token: sign the request with SigV4"
      )
    case .signature(.malformed(let part)):
      (status, code, message) = (.badRequest, "IncompleteSignatureException", "Malformed \(part)")
    case .signature(.unknownKey):
      (status, code, message) = (
        .forbidden, "UnrecognizedClientException",
        "The security token included in the request is invalid: not an access key id of this "
          + "governor (`governor keys create --aws`)"
      )
    case .signature(.skewed):
      (status, code, message) = (
        .forbidden, "InvalidSignatureException",
        "Signature expired: the request's X-Amz-Date is more than 15 minutes from the "
          + "governor's clock"
      )
    case .signature(.mismatch):
      (status, code, message) = (
        .forbidden, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
          + "Check your AWS Secret Access Key and signing method."
      )
    }
    var error = CompatibleError(status: status, errors: [CompatibleError.Item(message: message)])
    error.code = code
    return error
  }
}
