import Foundation
import GovernorCore
import GovernorDelivery
import GovernorStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The HTTP face of the gateway. Each handler reads the request, calls `Gateway`, and writes
/// the answer; no rule logic lives here.
public enum GatewayRoutes {
  /// Larger bodies are refused with 413 before they are parsed.
  public static let bodyLimit = 1 << 20

  public static func router(_ gateway: Gateway) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.get("/healthz") { _, _ -> Response in
      json(#"{"status":"ok"}"#, status: .ok)
    }
    router.post("/v1/messages") { request, context -> Response in
      switch await access(request, needs: .send, store: gateway.store, context: context) {
      case .refused(let response): return response
      case .granted(let key):
        return await submit(request, key: key, context: context, gateway: gateway)
      }
    }
    router.post("/v1/consents") { request, context -> Response in
      await guarded(request, .consentWrite, gateway, context) { body, _ in
        try await gateway.recordConsent(RecordDecoding.decode(ConsentInput.self, from: body))
        return json(#"{"recorded":true}"#, status: .created)
      }
    }
    router.post("/v1/suppressions") { request, context -> Response in
      await guarded(request, .consentWrite, gateway, context) { body, _ in
        let id = try await gateway.addSuppression(
          RecordDecoding.decode(SuppressionInput.self, from: body))
        return json(#"{"id":\#(SubmissionJSON.quoted(id))}"#, status: .created)
      }
    }
    router.delete("/v1/suppressions/{id}") { request, context -> Response in
      await guarded(request, .consentWrite, gateway, context) { _, key in
        let id = try context.parameters.require("id")
        guard try await gateway.liftSuppression(id: id, by: "api key \(key.id)") else {
          return Problem.notFound("no active suppression '\(id)'").response
        }
        return Response(status: .noContent)
      }
    }
    return router
  }

  /// Authenticates, reads the body (413 past the limit), runs `handle`, and turns invalid
  /// input into problem+json: the shared frame of every write route.
  static func guarded(
    _ request: Request, _ scope: Scope, _ gateway: Gateway, _ context: BasicRequestContext,
    _ handle: (Data, APIKeyRecord) async throws -> Response
  ) async -> Response {
    let key: APIKeyRecord
    switch await access(request, needs: scope, store: gateway.store, context: context) {
    case .refused(let response): return response
    case .granted(let granted): key = granted
    }
    do {
      let body = try await request.body.collect(upTo: bodyLimit)
      return try await handle(Data(buffer: body), key)
    } catch is NIOTooManyBytesError {
      return Problem.tooLarge(limit: bodyLimit).response
    } catch let invalid as InvalidRecord {
      if invalid.problems.first?.field == "body" {
        return Problem.badBody(invalid.description).response
      }
      return Problem.invalid(invalid).response
    } catch {
      context.logger.error("request failed", metadata: ["error": "\(error)"])
      return Problem.internalError().response
    }
  }

  enum Access {
    case granted(APIKeyRecord)
    case refused(Response)
  }

  /// 401 without a valid key, 403 without the scope. The key is never logged, only its id.
  static func access(
    _ request: Request, needs scope: Scope, store: any Store, context: BasicRequestContext
  ) async -> Access {
    do {
      guard
        let key = try await APIKeys.authenticate(request.headers[.authorization], in: store)
      else {
        var response = Problem.unauthenticated().response
        response.headers[.wwwAuthenticate] = "Bearer"
        return .refused(response)
      }
      guard APIKeys.allows(key, scope) else { return .refused(Problem.forbidden(scope).response) }
      return .granted(key)
    } catch {
      context.logger.error("key lookup failed", metadata: ["error": "\(error)"])
      return .refused(Problem.internalError().response)
    }
  }

  static func submit(
    _ request: Request, key: APIKeyRecord, context: BasicRequestContext, gateway: Gateway
  ) async -> Response {
    let body: ByteBuffer
    do {
      body = try await request.body.collect(upTo: bodyLimit)
    } catch {
      return Problem.tooLarge(limit: bodyLimit).response
    }
    do {
      let message = try RecordDecoding.decode(Message.self, from: Data(buffer: body))
      let submission = try await gateway.submit(message)
      context.logger.info(
        "decided",
        metadata: [
          "decision_id": "\(submission.decision.id)", "message_id": "\(message.id)",
          "outcome": "\(submission.decision.outcome.rawValue)", "api_key": "\(key.id)",
        ])
      return json(SubmissionJSON.render(submission), status: .ok)
    } catch let invalid as InvalidRecord {
      if invalid.problems.first?.field == "body" {
        return Problem.badBody(invalid.description).response
      }
      return Problem.invalid(invalid).response
    } catch {
      context.logger.error("submit failed", metadata: ["error": "\(error)"])
      return Problem.internalError().response
    }
  }

  static func json(_ text: String, status: HTTPResponse.Status) -> Response {
    Response(
      status: status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }
}

/// `{"record": …, "delivery": …, "repeated": …}`: the record is the decision as the audit log
/// stores it (`{id, campaign_id, decision}`), byte for byte, so a repeat is identical and a
/// client can re-hash it.
enum SubmissionJSON {
  static func render(_ submission: Submission) -> String {
    var delivery = "null"
    switch submission.delivery {
    case .delivered(let reference, let attempts):
      delivery =
        #"{"status":"sent","attempts":\#(attempts),"reference":\#(quoted(reference))}"#
    case .failed(let reason, let attempts):
      delivery = #"{"status":"failed","attempts":\#(attempts),"reason":\#(quoted(reason))}"#
    case nil:
      break
    }
    return #"{"record":\#(submission.decision.content),"delivery":\#(delivery),"#
      + #""repeated":\#(submission.repeated)}"#
  }

  static func quoted(_ text: String?) -> String {
    guard let text else { return "null" }
    let data = (try? JSONEncoder().encode(text)) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}
