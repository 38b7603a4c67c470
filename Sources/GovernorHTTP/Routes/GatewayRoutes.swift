import Foundation
import GovernorCore
import GovernorService
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

  /// `traced`: each request gets a span (`RequestSpans`).
  public static func router(_ gateway: Gateway, traced: Bool = false)
    -> Router<GatewayRequestContext>
  {
    table(gateway, traced: traced).router
  }

  /// Every route served, as `METHOD /path` with `{name}` parameters: what openapi.yaml must
  /// describe.
  public static func served(_ gateway: Gateway) -> [String] {
    table(gateway).entries
  }

  static func table(_ gateway: Gateway, traced: Bool = false) -> RouteTable {
    let router = RouteTable(
      keys: gateway.keys, failures: gateway.failedAuthentications, outages: gateway.outages,
      traced: traced)
    router.open.get("/healthz") { _, _ -> Response in
      json(#"{"status":"ok"}"#, status: .ok)
    }
    // Unauthenticated, like most scrape targets: counts by rule and outcome, no personal data.
    router.open.get("/metrics") { _, _ -> Response in
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
    SendGridRoutes.add(router, gateway)
    ListmonkRoutes.add(router, gateway)
    MailgunRoutes.add(router, gateway)
    SESRoutes.add(router, gateway)
    return router
  }

  static func addRecordRoutes(_ router: RouteTable, _ gateway: Gateway) {
    let records = router.needing([.consentWrite])
    records.post("/v1/consents") { request, _ -> Response in
      let body = try await request.bodyData(upTo: bodyLimit)
      try await gateway.recordConsent(RecordDecoding.decode(ConsentInput.self, from: body))
      return json(#"{"recorded":true}"#, status: .created)
    }
    records.post("/v1/suppressions") { request, _ -> Response in
      let body = try await request.bodyData(upTo: bodyLimit)
      let id = try await gateway.addSuppression(
        RecordDecoding.decode(SuppressionInput.self, from: body))
      return json(#"{"id":\#(JSONText.quoted(id))}"#, status: .created)
    }
    records.delete("/v1/suppressions/{id}") { _, context -> Response in
      let id = try context.parameters.require("id")
      let key = try context.authenticatedKey
      guard try await gateway.liftSuppression(id: id, by: "api key \(key.id)") else {
        throw Problem.notFound("no active suppression '\(id)'")
      }
      return Response(status: .noContent)
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
