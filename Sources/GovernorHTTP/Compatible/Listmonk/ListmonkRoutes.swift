import Foundation
import GovernorCore
import GovernorService
import Hummingbird

/// listmonk's HTTP postback messenger (Settings → Messengers): listmonk posts each message,
/// one subscriber per request, with Basic auth, and counts anything but `200` as a failed
/// send. So a blocked or deferred subscriber is `200` too (its decision is in the audit log);
/// only what listmonk should retry or fix is not.
enum ListmonkRoutes {
  static let path = "/v1/listmonk/messenger"

  static func add(_ router: RouteTable, _ gateway: Gateway) {
    let send = router.needing([.send])
    send.post(path) { request, context -> Response in
      let key = try context.authenticatedKey
      let body = try await request.bodyData(upTo: SendGridRoutes.bodyLimit)
      let postback = try CompatibleJSON.decode(ListmonkPostback.self, from: body)
      let messages = try postback.messages(policy: gateway.policy)
      // Consent in the attributes is a consent record: the key must be allowed to write one.
      if messages.contains(where: { !$0.consents.isEmpty }),
        !APIKeys.allows(key, .consentWrite)
      {
        throw Problem.forbidden([.consentWrite])
      }
      if let problem = gateway.problems(in: messages).compactMap({ $0 }).first {
        throw problem
      }
      let done = try await DoorOutcomes.submit(messages, gateway, key: key, context: context)
      if let conflict = done.firstConflict { throw conflict }
      if let invalid = done.firstInvalid { throw invalid }
      let summary = done.header
      return Response(
        status: .ok,
        headers: [.contentType: "application/json", .governorOutcomes: summary],
        body: .init(
          byteBuffer: ByteBuffer(string: #"{"outcomes":\#(JSONLiteral.string(summary))}"#)))
    }
  }
}
