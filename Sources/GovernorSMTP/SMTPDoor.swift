import Foundation
import GovernorCore
import GovernorService
import Logging

/// What the SMTP listener asks of the service: is this password a key that may send, and
/// what became of this message. Every rule stays in the service; this only translates its
/// answers into SMTP replies.
public struct SMTPDoor: Sendable {
  let gateway: Gateway
  let defaults: MailDefaults
  let logger: Logger

  public init(gateway: Gateway, defaults: MailDefaults, logger: Logger) {
    self.gateway = gateway
    self.defaults = defaults
    self.logger = logger
  }

  /// The password is a governor API key with the `send` scope, checked as HTTP keys are. Only
  /// the key's id is ever logged.
  func authenticate(password: String) async -> Bool {
    guard let key = try? await gateway.keys.authenticate("Bearer \(password)") else {
      logger.notice("SMTP authentication refused")
      return false
    }
    let allowed = APIKeys.allows(key, .send)
    logger.info("SMTP authentication", metadata: ["api_key": "\(key.id)", "allowed": "\(allowed)"])
    return allowed
  }

  /// `250` only once every recipient's decision is durable (and each allowed one forwarded);
  /// a store failure is `451` — sending again is safe, as a recipient already decided gets its
  /// first decision back and nothing is sent twice.
  func deliver(from: String, recipients: [String], data: [UInt8]) async -> SMTPReply {
    let source: MIMESource
    do {
      source = try MIMESource(data)
    } catch {
      return SMTPReply(554, "5.6.0", "Message refused: \(error.description)")
    }
    let results: [BatchItemResult]
    do {
      results = try await gateway.submitMail(
        IncomingMail(
          envelopeSender: from, recipients: recipients, source: source, defaults: defaults))
    } catch .noCategory {
      return SMTPReply(554, "5.6.0", "Message refused: \(MailRefusal.noCategory.description)")
    } catch {
      return SMTPReply(451, "4.3.0", "Temporary failure: \(error.description)")
    }
    var counts: [Outcome: Int] = [:]
    var failed = 0
    var invalid: InvalidRecord?
    var conflicts = 0
    for result in results {
      switch result {
      case .submitted(let submission):
        counts[submission.decision.outcome, default: 0] += 1
        logger.info(
          "decided",
          metadata: [
            "decision_id": "\(submission.decision.id)",
            "message_id": "\(submission.decision.messageId)",
            "outcome": "\(submission.decision.outcome.rawValue)", "door": "smtp",
            "repeated": "\(submission.repeated)",
          ])
      case .invalid(let record): invalid = invalid ?? record
      case .conflict: conflicts += 1
      case .failed: failed += 1
      }
    }
    if failed > 0 {
      return SMTPReply(
        451, "4.3.0",
        "Temporary failure: \(failed) of \(results.count) recipient(s) could not be decided; "
          + "send again (recipients already decided are not sent twice)")
    }
    if let invalid {
      return SMTPReply(554, "5.6.0", "Message refused: \(invalid.description)")
    }
    if conflicts > 0 {
      return SMTPReply(
        554, "5.6.0",
        "Message-ID reused: \(conflicts) recipient(s) got a different message under the same "
          + "Message-ID before; nothing was sent to them. A new message needs a new Message-ID")
    }
    let summary = Outcome.allCases.compactMap { outcome in
      counts[outcome].map { "\($0) \(outcome.rawValue)" }
    }.joined(separator: ", ")
    return SMTPReply(250, "2.0.0", "Ok: \(results.count) recipient(s) decided: \(summary)")
  }
}
