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
  let deadline: Duration

  public init(
    gateway: Gateway, defaults: MailDefaults, logger: Logger, deadline: Duration = .seconds(60)
  ) {
    self.gateway = gateway
    self.defaults = defaults
    self.logger = logger
    self.deadline = deadline
  }

  /// The password is a governor API key with the `send` scope, checked as HTTP keys are. Only
  /// the key's id is ever logged.
  func authenticate(password: String) async -> SMTPSession.Authentication {
    let keys = gateway.keys
    let found: APIKeyRecord?
    do {
      found = try await withDeadline(deadline) { try await keys.authenticate("Bearer \(password)") }
    } catch {
      logger.error("SMTP authentication could not be checked", metadata: ["error": "\(error)"])
      return .unavailable
    }
    guard let key = found else {
      logger.notice("SMTP authentication refused")
      return .refused
    }
    let allowed = APIKeys.allows(key, .send)
    logger.info("SMTP authentication", metadata: ["api_key": "\(key.id)", "allowed": "\(allowed)"])
    return allowed ? .accepted : .refused
  }

  /// Nil when the recipient would get the message; else the refusal, with the rule in its
  /// text: `550 5.7.1` when only the customer can change it (consent, suppression),
  /// `450 4.7.1` when time will (caps, quiet hours). Needs a default category: the headers
  /// that could name another have not arrived yet.
  func checkRecipient(_ recipient: String, from: String) async -> SMTPReply? {
    guard let category = defaults.category else { return nil }
    let verdict: EnvelopeVerdict
    do {
      let gateway = gateway
      verdict = try await withDeadline(deadline) {
        try await gateway.envelopeVerdict(recipient: recipient, category: category, from: from)
      }
    } catch {
      return SMTPReply(451, "4.3.0", "Temporary failure: the recipient could not be checked")
    }
    guard case .refuse(let rule, let code, let message, let lasting) = verdict else { return nil }
    logger.info(
      "recipient refused at RCPT", metadata: ["rule": "\(rule)", "code": "\(code)", "door": "smtp"])
    let text = "\(code) (\(rule)): \(message)"
    return lasting ? SMTPReply(550, "5.7.1", text) : SMTPReply(450, "4.7.1", text)
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
    let mail = IncomingMail(
      envelopeSender: from, recipients: recipients, source: source, defaults: defaults)
    do {
      let gateway = gateway
      results = try await withDeadline(deadline) { try await gateway.submitMail(mail) }
    } catch MailRefusal.noCategory {
      return SMTPReply(554, "5.6.0", "Message refused: \(MailRefusal.noCategory.description)")
    } catch let refusal as MailRefusal {
      return SMTPReply(451, "4.3.0", "Temporary failure: \(refusal.description)")
    } catch {
      logger.error("SMTP message not decided in time", metadata: ["error": "\(error)"])
      return SMTPReply(
        451, "4.3.0",
        "Temporary failure: the message could not be decided in time; send it again "
          + "(recipients already decided are not sent twice)")
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
