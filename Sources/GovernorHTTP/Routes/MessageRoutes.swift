import Foundation
import GovernorCore
import GovernorService
import Hummingbird
import Logging

extension GatewayRoutes {
  static func addMessageRoutes(_ router: RouteTable, _ gateway: Gateway) {
    let send = router.needing([.send])
    send.post("/v1/messages") { request, context -> Response in
      let key = try context.authenticatedKey
      let message = try RecordDecoding.decode(
        Message.self, from: try await request.bodyData(upTo: bodyLimit))
      let submission: Submission
      do {
        submission = try await gateway.submit(message)
      } catch let conflict as MessageIdConflict {
        log(conflict, key: key, context: context)
        throw conflict
      }
      log(submission, key: key, context: context)
      return json(SubmissionJSON.render(submission), status: .ok)
    }
    send.post("/v1/messages/batch") { request, context -> Response in
      let key = try context.authenticatedKey
      let body = try await request.bodyData(upTo: batchBodyLimit)
      let results = await gateway.submitBatch(try Gateway.batchItems(body))
      var items: [String] = []
      for (index, result) in results.enumerated() {
        switch result {
        case .submitted(let submission):
          log(submission, key: key, context: context)
          items.append(
            #"{"index":\#(index),"status":200,"# + SubmissionJSON.fields(submission) + "}")
        case .invalid(let invalid):
          let problem = Problem.refusing(invalid)
          items.append(
            #"{"index":\#(index),"status":\#(problem.statusCode),"problem":\#(problem.json)}"#)
        case .conflict(let conflict):
          log(conflict, key: key, context: context)
          let problem = Problem.messageIdReused(conflict)
          items.append(
            #"{"index":\#(index),"status":409,"problem":\#(problem.json)}"#)
        case .failed:
          let problem = Problem.unavailable()
          items.append(#"{"index":\#(index),"status":503,"problem":\#(problem.json)}"#)
        }
      }
      return json(#"{"results":[\#(items.joined(separator: ","))]}"#, status: .ok)
    }
  }

  static func log(_ conflict: MessageIdConflict, key: APIKeyRecord, context: GatewayRequestContext)
  {
    context.logger.notice(
      "message id reused for another message",
      metadata: [
        "message_id": "\(conflict.messageId)", "decision_id": "\(conflict.decisionId)",
        "api_key": "\(key.id)",
      ])
  }

  /// Every decision is logged with its id, so a log line leads to the audit row.
  static func log(_ submission: Submission, key: APIKeyRecord, context: GatewayRequestContext) {
    context.logger.info(
      "decided",
      metadata: [
        "decision_id": "\(submission.decision.id)",
        "message_id": "\(submission.decision.messageId)",
        "outcome": "\(submission.decision.outcome.rawValue)", "api_key": "\(key.id)",
        "repeated": "\(submission.repeated)",
      ])
  }
}

/// `{"record": …, "delivery": …, "repeated": …}`: the record is the decision as the audit log
/// stores it (`{id, campaign_id, decision}`), byte for byte, so a repeat is identical and a
/// client can re-hash it.
enum SubmissionJSON {
  static func render(_ submission: Submission) -> String {
    "{" + fields(submission) + "}"
  }

  static func fields(_ submission: Submission) -> String {
    var delivery = "null"
    switch submission.delivery {
    case .delivered(let reference, let attempts):
      delivery =
        #"{"status":"sent","attempts":\#(attempts),"reference":\#(JSONText.quoted(reference))}"#
    case .failed(let reason, let attempts):
      delivery =
        #"{"status":"failed","attempts":\#(attempts),"reason":\#(JSONText.quoted(reason))}"#
    case .unknown(let reason, let attempts):
      delivery =
        #"{"status":"unknown","attempts":\#(attempts),"reason":\#(JSONText.quoted(reason))}"#
    case nil:
      break
    }
    return #""record":\#(submission.decision.content),"delivery":\#(delivery),"#
      + #""repeated":\#(submission.repeated)"#
  }
}
