import Foundation
import GovernorCore
import GovernorService
import HTTPTypes
import Hummingbird

extension GatewayRoutes {
  static func addFeedbackRoutes(_ router: RouteTable, _ gateway: Gateway) {
    let events = router.needing([.eventsWrite])
    events.post("/v1/events/sendgrid") { request, context -> Response in
      let body = try await request.bodyData(upTo: batchBodyLimit)
      if let signature = gateway.sendGridEvents {
        do throws(SendGridEventSignature.Refusal) {
          try signature.verify(
            signature: request.headers[signatureHeader],
            timestamp: request.headers[timestampHeader],
            body: body, now: gateway.clock())
        } catch {
          context.logger.warning(
            "provider events refused: signature",
            metadata: ["provider": "sendgrid", "problem": "\(error)"])
          throw Problem.badEventSignature(error.description)
        }
      }
      let batch: FeedbackBatch
      do {
        batch = try SendGridEvents.parse(body)
      } catch let error as BadFeedback {
        return refuse(error, provider: "sendgrid", context)
      }
      return try await applied(batch, gateway, provider: "sendgrid", context)
    }
    events.post("/v1/events/ses") { request, context -> Response in
      let body = try await request.bodyData(upTo: bodyLimit)
      if let signature = gateway.snsEvents {
        let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        do throws(SNSMessageSignature.Refusal) {
          try await signature.verify(message, now: gateway.clock())
        } catch {
          context.logger.warning(
            "provider events refused: signature",
            metadata: ["provider": "ses", "problem": "\(error)"])
          throw Problem.badEventSignature(error.description)
        }
      }
      let envelope: SESNotifications.Envelope
      do {
        envelope = try SESNotifications.parse(body)
      } catch let error as BadFeedback {
        return refuse(error, provider: "ses", context)
      }
      switch envelope {
      case .subscriptionConfirmation(let url, let topic):
        let confirmed = try await gateway.confirmSNSSubscription(url)
        context.logger.notice(
          "SNS subscription confirmation",
          metadata: ["topic": "\(topic)", "confirmed": "\(confirmed)"])
        guard confirmed else {
          throw Problem.unconfirmedSubscription(url)
        }
        return json(#"{"subscribed":true}"#, status: .ok)
      case .unsubscribeConfirmation:
        return json(#"{"subscribed":false}"#, status: .ok)
      case .notification(let batch):
        return try await applied(batch, gateway, provider: "ses", context)
      }
    }
  }

  private static let signatureHeader = HTTPField.Name(SendGridEventSignature.signatureHeader)!
  private static let timestampHeader = HTTPField.Name(SendGridEventSignature.timestampHeader)!

  private static func applied(
    _ batch: FeedbackBatch, _ gateway: Gateway, provider: String, _ context: GatewayRequestContext
  ) async throws -> Response {
    let outcome = try await gateway.apply(batch)
    context.logger.info(
      "provider feedback",
      metadata: [
        "provider": "\(provider)", "suppressed": "\(outcome.suppressed)",
        "unchanged": "\(outcome.unchanged)", "ignored": "\(outcome.ignored)",
        "unknown_recipients": "\(outcome.unknownRecipients)",
      ])
    return json(try JSONText.object(outcome, adding: []), status: .ok)
  }

  private static func refuse(
    _ error: BadFeedback, provider: String, _ context: GatewayRequestContext
  )
    -> Response
  {
    let detail = error.problems.map(\.description).joined(separator: "; ")
    context.logger.warning(
      "malformed provider feedback refused",
      metadata: ["provider": "\(provider)", "problems": "\(detail)"])
    return Problem.badFeedback(error.problems).response
  }
}
