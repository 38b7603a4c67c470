import Foundation
import GovernorCore
import GovernorService
import HTTPTypes
import Hummingbird

/// Amazon SES's sending calls, signed and answered as Amazon's are, so boto3 and the other AWS
/// SDKs change only their endpoint URL and credentials: v2 `SendEmail`
/// (`POST /v2/email/outbound-emails`) and v1 `SendEmail` / `SendRawEmail` (`POST /`, the Query
/// API). Every recipient is one message for the same pipeline as `POST /v1/messages`.
enum SESRoutes {
  static func add(_ router: RouteTable, _ gateway: Gateway) {
    let v2 = router.signedAWS(
      gateway, errorsShapedBy: CompatibleErrorShape(style: .sesV2, outages: gateway.outages))
    v2.post("/v2/email/outbound-emails") { request, context -> Response in
      let key = try context.authenticatedKey
      let body = try await request.body.collect(upTo: SignedAWSAuthentication.bodyLimit)
      let decoded = try CompatibleJSON.decode(
        SESMail.V2.self, from: Data(buffer: body), keys: .pascalCase)
      let mapper = SESMessages(
        mail: try SESMail(v2: decoded),
        messageId: SESMessages.messageId(
          keyId: key.id, canonical: SESMessages.canonicalJSON(Array(buffer: body))),
        policy: gateway.policy)
      let outcomes = try await send(mapper, gateway, key, context)
      return Response(
        status: .ok, headers: [.contentType: "application/json", .governorOutcomes: outcomes],
        body: .init(
          byteBuffer: ByteBuffer(string: #"{"MessageId":\#(JSONLiteral.string(mapper.messageId))}"#)
        ))
    }
    let v1 = router.signedAWS(
      gateway, errorsShapedBy: CompatibleErrorShape(style: .sesV1, outages: gateway.outages))
    v1.post("/") { request, context -> Response in
      let key = try context.authenticatedKey
      let body = try await request.body.collect(upTo: SignedAWSAuthentication.bodyLimit)
      let form = try MailgunForm.read(body, contentType: request.headers[.contentType])
      let action = form.first("Action") ?? ""
      let mapper = SESMessages(
        mail: try SESMail(v1: form),
        messageId: SESMessages.messageId(keyId: key.id, canonical: form.canonicalBytes),
        policy: gateway.policy)
      let outcomes = try await send(mapper, gateway, key, context)
      let inner =
        "<\(action)Result><MessageId>\(SESXML.escape(mapper.messageId))</MessageId></\(action)Result>"
        + "<ResponseMetadata><RequestId>\(UUID().uuidString.lowercased())</RequestId></ResponseMetadata>"
      return Response(
        status: .ok, headers: [.contentType: "text/xml", .governorOutcomes: outcomes],
        body: .init(byteBuffer: ByteBuffer(string: SESXML.document("\(action)Response", inner))))
    }
  }

  /// Decides every recipient (a raw message through the SMTP door's MIME path); the outcomes.
  static func send(
    _ mapper: SESMessages, _ gateway: Gateway, _ key: APIKeyRecord,
    _ context: GatewayRequestContext
  ) async throws -> String {
    let results: [BatchItemResult]
    if let raw = mapper.mail.raw {
      let source: MIMESource
      do {
        source = try MIMESource(raw)
      } catch {
        var refusal = CompatibleError.badRequest("The message cannot be read: \(error)", field: nil)
        refusal.code = "MessageRejected"
        throw refusal
      }
      do {
        results = try await gateway.submitMail(try mapper.incoming(source))
      } catch MailRefusal.noCategory {
        throw CompatibleError.badRequest(
          "The message names no category: set the tag 'category' or the header "
            + "\(MailMapping.categoryHeader)", field: "Tags")
      } catch let error as CompatibleError {
        throw error
      } catch {
        throw Problem.unavailable()
      }
    } else {
      let messages = try mapper.messages()
      try DoorOutcomes.checkWhole(messages, gateway)
      let done = try await DoorOutcomes.submit(messages, gateway, key: key, context: context)
      if let invalid = done.firstInvalid { throw invalid }
      return done.header
    }
    let done = DoorOutcomes(results, key: key, context: context)
    guard done.failed == 0 else { throw Problem.unavailable() }
    if let invalid = done.firstInvalid { throw invalid }
    return done.header
  }
}
