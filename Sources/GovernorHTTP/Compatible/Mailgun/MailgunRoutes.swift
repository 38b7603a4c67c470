import Foundation
import GovernorCore
import GovernorService
import HTTPTypes
import Hummingbird

/// Mailgun's sending API, answered as Mailgun answers it, so Ghost's newsletters and
/// Mailgun's SDKs change only their API URL and key (HTTP Basic, user `api`). Every recipient
/// is one message for the same pipeline as `POST /v1/messages`.
enum MailgunRoutes {
  /// Mailgun's own limit for a message is 25 MB; the form around it adds a little.
  static let bodyLimit = 30 << 20
  static let lists: Set<String> = ["events", "bounces", "complaints", "unsubscribes"]

  static func add(_ router: RouteTable, _ gateway: Gateway) {
    let api = router.needing(
      [.send], errorsShapedBy: CompatibleErrorShape(style: .mailgun, outages: gateway.outages))
    api.post("/v3/{domain}/messages") { request, context -> Response in
      let key = try context.authenticatedKey
      let mapper = try await read(request, context, key, gateway)
      let messages = try mapper.messages()
      try DoorOutcomes.checkWhole(messages, gateway)
      let items = messages.map { Result<AddressedMessage, InvalidRecord>.success($0) }
      if mapper.testMode {
        let previews: [Result<Decision, InvalidRecord>]
        do {
          previews = try await gateway.previewAddressed(items)
        } catch {
          throw Problem.unavailable()
        }
        let outcomes = previews.compactMap { try? $0.get().outcome }
        return answer(
          mapper.requestId, DoorOutcomes.header(outcomes, refused: previews.count - outcomes.count))
      }
      let done = try await DoorOutcomes.submit(messages, gateway, key: key, context: context)
      return answer(mapper.requestId, done.header)
    }
    api.post("/v3/{domain}/messages.mime") { request, context -> Response in
      let key = try context.authenticatedKey
      let mapper = try await read(request, context, key, gateway)
      let form = mapper.form
      guard let file = form.files("message").first else {
        throw CompatibleError.badRequest("message parameter is missing", field: nil)
      }
      let source: MIMESource
      do {
        source = try MIMESource(file.value)
      } catch {
        throw CompatibleError.badRequest("The message cannot be read: \(error)", field: "message")
      }
      let mail = IncomingMail(
        envelopeSender: form.first("from") ?? "", recipients: try mapper.recipients(),
        source: source,
        defaults: MailDefaults(
          category: try mapper.namedCategory(mapper.variables),
          campaignId: mapper.variables["campaign_id"], sendAt: try mapper.scheduled()))
      let results: [BatchItemResult]
      do {
        results = try await gateway.submitMail(mail)
      } catch MailRefusal.noCategory {
        throw CompatibleError.badRequest(
          "The message names no category: set v:category, an o:tag that is a category or an "
            + "alias, or the header \(MailMapping.categoryHeader)", field: "v:category")
      } catch {
        throw Problem.unavailable()
      }
      let done = DoorOutcomes(results, key: key, context: context)
      guard done.failed == 0 else { throw Problem.unavailable() }
      if let invalid = done.firstInvalid { throw invalid }
      let id = source.document.headers.first("Message-ID")?.value ?? mapper.requestId
      return answer(id, done.header)
    }
    // What Ghost reads besides sending (its analytics and suppression sync): the governor
    // keeps its own events and suppressions, so these answer as an empty Mailgun account.
    api.get("/v3/{domain}/{list}") { request, context -> Response in
      let list = try context.parameters.require("list")
      guard lists.contains(list) else {
        throw CompatibleError(
          status: .notFound, errors: [CompatibleError.Item(message: "Not Found")])
      }
      let page = request.uri.description
      let paging = ["first", "last", "next", "previous"].map {
        #""\#($0)":\#(JSONLiteral.string(page))"#
      }
      return GatewayRoutes.json(
        #"{"items":[],"paging":{\#(paging.joined(separator: ","))}}"#, status: .ok)
    }
    api.delete("/v3/{domain}/{list}/{address}") { _, context -> Response in
      let list = try context.parameters.require("list")
      let table = lists.contains(list) && list != "events" ? list : "requested"
      throw CompatibleError(
        status: .notFound,
        errors: [CompatibleError.Item(message: "Address not found in \(table) table")])
    }
  }

  /// The form, ready to be turned into messages under the route's domain.
  static func read(
    _ request: Request, _ context: GatewayRequestContext, _ key: APIKeyRecord, _ gateway: Gateway
  ) async throws -> MailgunMessages {
    let body = try await request.body.collect(upTo: bodyLimit)
    return MailgunMessages(
      form: try MailgunForm.read(body, contentType: request.headers[.contentType]),
      domain: try context.parameters.require("domain"), keyId: key.id, policy: gateway.policy,
      now: Date())
  }

  /// Mailgun's `200 {"id","message"}`, with what became of each recipient beside it.
  static func answer(_ id: String, _ outcomes: String) -> Response {
    Response(
      status: .ok,
      headers: [.contentType: "application/json", .governorOutcomes: outcomes],
      body: .init(
        byteBuffer: ByteBuffer(
          string: #"{"id":\#(JSONLiteral.string(id)),"message":"Queued. Thank you."}"#)))
  }

}
