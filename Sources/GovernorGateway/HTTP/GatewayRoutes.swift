import Foundation
import GovernorCore
import GovernorStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The HTTP face of the gateway. Each handler reads the request, calls `Gateway`, and writes
/// the answer; no rule logic lives here. `openapi.yaml` describes every route registered here.
public enum GatewayRoutes {
  /// Larger bodies are refused with 413 before they are parsed.
  public static let bodyLimit = 1 << 20
  /// A batch of up to `Gateway.batchLimit` messages may be larger than one message.
  public static let batchBodyLimit = 16 << 20

  public static func router(_ gateway: Gateway) -> Router<BasicRequestContext> {
    table(gateway).router
  }

  /// Every route served, as `METHOD /path` with `{name}` parameters: what openapi.yaml must
  /// describe.
  public static func served(_ gateway: Gateway) -> [String] {
    table(gateway).entries
  }

  static func table(_ gateway: Gateway) -> RouteTable {
    let router = RouteTable()
    router.get("/healthz") { _, _ -> Response in
      json(#"{"status":"ok"}"#, status: .ok)
    }
    // Unauthenticated, like most scrape targets: counts by rule and outcome, no personal data.
    router.get("/metrics") { _, _ -> Response in
      Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(
          byteBuffer: ByteBuffer(
            string: gateway.metricsText())))
    }
    addMessageRoutes(router, gateway)
    addRecordRoutes(router, gateway)
    addCustomerRoutes(router, gateway)
    addAuditRoutes(router, gateway)
    addDryRunRoutes(router, gateway)
    addReviewRoutes(router, gateway)
    addPolicyRoutes(router, gateway)
    addUnsubscribeRoutes(router, gateway)
    addFeedbackRoutes(router, gateway)
    return router
  }

  static func addRecordRoutes(_ router: RouteTable, _ gateway: Gateway) {
    router.post("/v1/consents") { request, context -> Response in
      await guarded(request, [.consentWrite], gateway, context) { body, _ in
        try await gateway.recordConsent(RecordDecoding.decode(ConsentInput.self, from: body))
        return json(#"{"recorded":true}"#, status: .created)
      }
    }
    router.post("/v1/suppressions") { request, context -> Response in
      await guarded(request, [.consentWrite], gateway, context) { body, _ in
        let id = try await gateway.addSuppression(
          RecordDecoding.decode(SuppressionInput.self, from: body))
        return json(#"{"id":\#(JSONText.quoted(id))}"#, status: .created)
      }
    }
    router.delete("/v1/suppressions/{id}") { request, context -> Response in
      await guarded(request, [.consentWrite], gateway, context) { _, key in
        let id = try context.parameters.require("id")
        guard try await gateway.liftSuppression(id: id, by: "api key \(key.id)") else {
          throw Problem.notFound("no active suppression '\(id)'")
        }
        return Response(status: .noContent)
      }
    }
  }

  /// Authenticates (any of `scopes`; an empty list takes any valid key), reads the body (413
  /// past the limit), runs `handle`, and turns bad input into problem+json: the shared frame
  /// of every route that needs a key.
  static func guarded(
    _ request: Request, _ scopes: [Scope], _ gateway: Gateway, _ context: BasicRequestContext,
    bodyLimit: Int = bodyLimit, _ handle: (Data, APIKeyRecord) async throws -> Response
  ) async -> Response {
    let key: APIKeyRecord
    switch await access(request, needs: scopes, keys: gateway.keys, context: context) {
    case .refused(let response): return response
    case .granted(let granted): key = granted
    }
    do {
      let body = try await request.body.collect(upTo: bodyLimit)
      return try await handle(Data(buffer: body), key)
    } catch is NIOTooManyBytesError {
      return Problem.tooLarge(limit: bodyLimit).response
    } catch let problem as Problem {
      return problem.response
    } catch let invalid as InvalidRecord {
      return Problem.refusing(invalid).response
    } catch let conflict as MessageIdConflict {
      context.logger.notice(
        "message id reused for another message",
        metadata: [
          "message_id": "\(conflict.messageId)", "decision_id": "\(conflict.decisionId)",
          "api_key": "\(key.id)",
        ])
      return Problem.messageIdReused(conflict).response
    } catch let query as BadQuery {
      return Problem.badQuery(query.problems).response
    } catch {
      context.logger.error("request failed", metadata: ["error": "\(error)"])
      return Problem.internalError().response
    }
  }

  enum Access {
    case granted(APIKeyRecord)
    case refused(Response)
  }

  /// 401 without a valid key, 403 without one of the scopes. The key is never logged, only
  /// its id.
  static func access(
    _ request: Request, needs scopes: [Scope], keys: APIKeyCache, context: BasicRequestContext
  ) async -> Access {
    do {
      guard
        let key = try await keys.authenticate(request.headers[.authorization])
      else {
        var response = Problem.unauthenticated().response
        response.headers[.wwwAuthenticate] = "Bearer"
        return .refused(response)
      }
      guard scopes.isEmpty || scopes.contains(where: { APIKeys.allows(key, $0) }) else {
        return .refused(Problem.forbidden(scopes).response)
      }
      return .granted(key)
    } catch {
      context.logger.error("key lookup failed", metadata: ["error": "\(error)"])
      return .refused(Problem.internalError().response)
    }
  }

  static func json(_ text: String, status: HTTPResponse.Status) -> Response {
    Response(
      status: status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }
}

/// JSON written by hand where a stored canonical record must be embedded byte for byte.
enum JSONText {
  static func quoted(_ text: String?) -> String {
    guard let text else { return "null" }
    let data = (try? encoder.encode(text)) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()

  /// `value` encoded as a JSON object with `extra` (name → raw JSON) added at its end.
  static func object(_ value: some Encodable, adding extra: [(String, String)]) throws -> String {
    var text = String(decoding: try encoder.encode(value), as: UTF8.self)
    guard text.hasSuffix("}") else { return text }
    text.removeLast()
    for (name, raw) in extra {
      text += (text.hasSuffix("{") ? "" : ",") + quoted(name) + ":" + raw
    }
    return text + "}"
  }
}
