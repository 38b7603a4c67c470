import Foundation
import GovernorCore
import GovernorService
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
  /// SendGrid's id for an accepted request; the governor's answers `GET /v1/decisions`.
  static let sendGridMessageId = Self("X-Message-Id")!
  /// What became of the request's recipients: `forwarded=3, blocked=2, deferred=1`.
  static let governorOutcomes = Self("X-Governor-Outcomes")!
}

/// SendGrid's v3 Mail Send, answered as SendGrid answers it, so an application changes only
/// its SDK's host and key: every recipient is one message for the same pipeline as
/// `POST /v1/messages`.
enum SendGridRoutes {
  /// SendGrid's own limit for a whole request.
  static let bodyLimit = 30 << 20

  static func add(_ router: RouteTable, _ gateway: Gateway) {
    let send = router.needing(
      [.send], errorsShapedBy: CompatibleErrorShape(outages: gateway.outages))
    send.post("/v3/mail/send") { request, context -> Response in
      let key = try context.authenticatedKey
      let body = try await request.bodyData(upTo: bodyLimit)
      let mail = try SendGridMail.decode(body)
      let requestId = SendGridMessages.requestId(keyId: key.id, body: body)
      var mapping = SendGridMessages(
        mail: mail, requestId: requestId, policy: gateway.policy, now: Date())
      if mail.templateId != nil { mapping.templateData = SendGridMessages.templateData(body) }
      let mapped = try mapping.messages()
      let problems = zip(gateway.problems(in: mapped.map(\.0)), mapped.map(\.1)).compactMap {
        problem, origin in
        problem.map { problem in
          problem.problems.map {
            CompatibleError.Item(
              message: "\($0.field): \($0.problem)",
              field: "personalizations.\(origin.personalization)")
          }
        }
      }.flatMap { $0 }
      guard problems.isEmpty else {
        throw CompatibleError(status: .badRequest, errors: problems)
      }
      let items = mapped.map { Result<AddressedMessage, InvalidRecord>.success($0.0) }
      if mail.sandbox {
        let previews: [Result<Decision, InvalidRecord>]
        do {
          previews = try await gateway.previewAddressed(items)
        } catch {
          throw unavailable()
        }
        let outcomes = previews.compactMap { try? $0.get().outcome }
        // SendGrid answers a sandbox request 200 (not 202): checked, nothing sent.
        return answer(.ok, requestId, outcomes: outcomes, refused: previews.count - outcomes.count)
      }
      let results: [BatchItemResult]
      do {
        results = try await gateway.submitAddressed(items)
      } catch {
        throw unavailable()
      }
      let done = DoorOutcomes(results, key: key, context: context)
      guard done.failed == 0 else {
        throw CompatibleError(
          status: .internalServerError,
          errors: [
            CompatibleError.Item(
              message:
                "\(done.failed) of \(results.count) recipients could not be decided; send the same "
                + "request again (recipients already decided are not sent twice).")
          ])
      }
      return answer(.accepted, requestId, outcomes: done.outcomes, refused: done.refused)
    }
  }

  static func answer(
    _ status: HTTPResponse.Status, _ requestId: String, outcomes: [Outcome], refused: Int
  ) -> Response {
    Response(
      status: status,
      headers: [
        .sendGridMessageId: requestId,
        .governorOutcomes: DoorOutcomes.header(outcomes, refused: refused),
      ])
  }

  static func unavailable() -> CompatibleError {
    var error = CompatibleError(
      status: .serviceUnavailable,
      errors: [
        CompatibleError.Item(
          message: "The governor's store could not be read; nothing was decided or sent. "
            + "Send the same request again.")
      ])
    error.retryAfter = StoreUnavailable.retryAfter
    return error
  }
}
