import Foundation
import GovernorCore

/// One SMTP session as a state machine with no I/O: lines in, replies and effects out. The
/// channel handler feeds it lines and carries out what it asks (start TLS, check a password,
/// hand over a message); the fuzz target feeds it whatever libFuzzer invents.
public struct SMTPSession {
  public enum Effect: Equatable {
    case reply(SMTPReply)
    /// Send the reply, then start TLS before reading anything more.
    case startTLS(SMTPReply)
    /// Check the password (an API key); answer through `authenticated(_:)`.
    case authenticate(user: String, password: String)
    /// Ask whether the recipient would be held back; answer through `recipientChecked(_:)`.
    case checkRecipient(String, from: String)
    /// Decide the message; answer through `delivered(_:)`.
    case deliver(from: String, recipients: [String], data: [UInt8])
    /// Send the reply and close the connection.
    case close(SMTPReply)
  }

  enum Phase: Equatable {
    case start
    case ready
    case mail(from: String)
    case recipients(from: String, to: [String])
    case data(from: String, to: [String])
    case authPlain
    case authLoginUser
    case authLoginPassword(user: String)
    case waiting
  }

  let hostname: String
  let limits: SMTPLimits
  /// STARTTLS can be offered (a certificate is configured) and is not done yet.
  var tlsOffered: Bool
  var tlsActive: Bool
  /// AUTH without TLS: on loopback, or when the listener was told so.
  let authInClear: Bool
  /// Refuse at RCPT a recipient the envelope already says would be held back.
  let checksRecipients: Bool
  /// MAIL without AUTH: a loopback client on a listener told to trust it.
  let trusted: Bool
  var authenticated = false
  /// The recipient being checked, with the transaction it would join.
  var pendingRecipient: (from: String, recipients: [String], candidate: String)?
  var phase = Phase.start
  var errors = 0
  var data: [UInt8] = []
  var dataTooLarge = false
  var dataLineTooLong = false
  var previousLineEndedCRLF = true

  public init(
    hostname: String, limits: SMTPLimits, tlsOffered: Bool, tlsActive: Bool, authInClear: Bool,
    checksRecipients: Bool = false, trusted: Bool = false
  ) {
    self.checksRecipients = checksRecipients
    self.trusted = trusted
    self.hostname = hostname
    self.limits = limits
    self.tlsOffered = tlsOffered && !tlsActive
    self.tlsActive = tlsActive
    self.authInClear = authInClear
  }

  public var greeting: SMTPReply { SMTPReply(220, nil, "\(hostname) ESMTP Mail Governor") }

  public var isReadingData: Bool {
    if case .data = phase { return true }
    return false
  }

  var authOffered: Bool { tlsActive || authInClear }

  /// One line without its line end; `crlf` says whether it ended in CRLF (a bare LF is read
  /// as a line too, as Postfix's `smtpd_forbid_bare_newline = normalize` does, but only
  /// CRLF.CRLF ends a message: no SMTP smuggling).
  public mutating func receive(line: [UInt8], crlf: Bool, overlong: Bool = false) -> Effect? {
    if case .data(let from, let to) = phase {
      return receiveData(line, crlf: crlf, overlong: overlong, from: from, to: to)
    }
    if overlong || line.count + 2 > limits.commandLine {
      return refuse(SMTPReply(500, "5.5.2", "Line too long"))
    }
    switch phase {
    case .authPlain:
      phase = .ready
      return plainResponse(String(decoding: line, as: UTF8.self))
    case .authLoginUser:
      let text = String(decoding: line, as: UTF8.self)
      guard text != "*" else { return cancelAuth() }
      guard let user = Self.base64(text) else { return badAuthEncoding() }
      phase = .authLoginPassword(user: user)
      return .reply(SMTPReply(334, nil, "UGFzc3dvcmQ6"))
    case .authLoginPassword(let user):
      phase = .ready
      let text = String(decoding: line, as: UTF8.self)
      guard text != "*" else { return cancelAuth() }
      guard let password = Self.base64(text) else { return badAuthEncoding() }
      phase = .waiting
      return .authenticate(user: user, password: password)
    case .waiting:
      return nil
    default:
      break
    }
    guard let command = SMTPCommand.parse(line) else {
      return refuse(SMTPReply(500, "5.5.2", "Command line is not text"))
    }
    return receive(command)
  }

  mutating func receive(_ command: SMTPCommand) -> Effect {
    switch command {
    case .helo:
      phase = .ready
      errors = 0
      return .reply(SMTPReply(250, nil, hostname))
    case .ehlo(let client):
      phase = .ready
      errors = 0
      var lines = [
        "\(hostname) greets \(client.prefix(64))", "PIPELINING", "SIZE \(limits.messageSize)",
        "8BITMIME", "ENHANCEDSTATUSCODES",
      ]
      if tlsOffered { lines.append("STARTTLS") }
      if authOffered { lines.append("AUTH PLAIN LOGIN") }
      lines.append("HELP")
      return .reply(SMTPReply(code: 250, lines: lines))
    case .mail(let from, let parameters):
      guard phase != .start else { return refuse(SMTPReply(503, "5.5.1", "Send EHLO first")) }
      guard authenticated || trusted else {
        return refuse(
          SMTPReply(
            530, "5.7.0", "Authentication required: AUTH with a governor API key as the password"))
      }
      guard phase == .ready else { return refuse(SMTPReply(503, "5.5.1", "Nested MAIL command")) }
      if let size = parameters["SIZE"].flatMap(Int.init), size > limits.messageSize {
        return refuse(
          SMTPReply(552, "5.3.4", "Message size exceeds fixed limit of \(limits.messageSize) bytes")
        )
      }
      phase = .mail(from: from)
      errors = 0
      return .reply(SMTPReply(250, "2.1.0", "Ok"))
    case .rcpt(let to, _):
      let from: String
      var recipients: [String]
      switch phase {
      case .mail(let sender): (from, recipients) = (sender, [])
      case .recipients(let sender, let to): (from, recipients) = (sender, to)
      default: return refuse(SMTPReply(503, "5.5.1", "Need MAIL before RCPT"))
      }
      guard recipients.count < limits.recipients else {
        return .reply(
          SMTPReply(452, "4.5.3", "Too many recipients: at most \(limits.recipients) per message"))
      }
      guard (try? Mailbox(parsing: to)) != nil else {
        return refuse(SMTPReply(501, "5.1.3", "Bad recipient address syntax"))
      }
      if checksRecipients {
        pendingRecipient = (from, recipients, to)
        phase = .waiting
        return .checkRecipient(to, from: from)
      }
      recipients.append(to)
      phase = .recipients(from: from, to: recipients)
      errors = 0
      return .reply(SMTPReply(250, "2.1.5", "Ok"))
    case .data:
      switch phase {
      case .recipients(let from, let to):
        phase = .data(from: from, to: to)
        data = []
        dataTooLarge = false
        dataLineTooLong = false
        previousLineEndedCRLF = true
        return .reply(SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>"))
      case .mail: return refuse(SMTPReply(554, "5.5.1", "No valid recipients"))
      default: return refuse(SMTPReply(503, "5.5.1", "Need RCPT before DATA"))
      }
    case .rset:
      if phase != .start { phase = .ready }
      return .reply(SMTPReply(250, "2.0.0", "Ok"))
    case .noop:
      return .reply(SMTPReply(250, "2.0.0", "Ok"))
    case .quit:
      return .close(SMTPReply(221, "2.0.0", "Bye"))
    case .vrfy:
      return .reply(
        SMTPReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"))
    case .help:
      return .reply(
        SMTPReply(214, "2.0.0", "Mail Governor: EHLO, AUTH, MAIL, RCPT, DATA, RSET, NOOP, QUIT"))
    case .startTLS:
      guard !tlsActive else { return refuse(SMTPReply(503, "5.5.1", "TLS already active")) }
      guard tlsOffered else { return refuse(SMTPReply(502, "5.5.1", "STARTTLS not available")) }
      // RFC 3207 §4.2: everything known before TLS is forgotten; the client greets again.
      tlsOffered = false
      tlsActive = true
      authenticated = false
      phase = .start
      return .startTLS(SMTPReply(220, "2.0.0", "Ready to start TLS"))
    case .auth(let mechanism, let initial):
      guard phase != .start else { return refuse(SMTPReply(503, "5.5.1", "Send EHLO first")) }
      guard !authenticated else { return refuse(SMTPReply(503, "5.5.1", "Already authenticated")) }
      guard phase == .ready else {
        return refuse(SMTPReply(503, "5.5.1", "AUTH not allowed during a mail transaction"))
      }
      guard authOffered else {
        return refuse(SMTPReply(538, "5.7.11", "Encryption required: STARTTLS first"))
      }
      switch mechanism {
      case "PLAIN":
        guard let initial else {
          phase = .authPlain
          return .reply(SMTPReply(334, nil, ""))
        }
        return plainResponse(initial)
      case "LOGIN":
        guard let initial else {
          phase = .authLoginUser
          return .reply(SMTPReply(334, nil, "VXNlcm5hbWU6"))
        }
        guard let user = Self.base64(initial) else { return badAuthEncoding() }
        phase = .authLoginPassword(user: user)
        return .reply(SMTPReply(334, nil, "UGFzc3dvcmQ6"))
      default:
        return refuse(
          SMTPReply(504, "5.5.4", "Unrecognized authentication type: use PLAIN or LOGIN"))
      }
    case .unknown:
      return refuse(SMTPReply(500, "5.5.2", "Command unrecognized"))
    case .malformed(let code, let enhanced, let text):
      return refuse(SMTPReply(code, enhanced, text))
    }
  }

  /// RFC 4616: `authzid NUL authcid NUL password`, base64; `=` is an empty response.
  mutating func plainResponse(_ text: String) -> Effect {
    guard text != "*" else { return cancelAuth() }
    guard let decoded = text == "=" ? Optional([UInt8]()) : Self.base64Bytes(text) else {
      return badAuthEncoding()
    }
    let fields = decoded.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    guard fields.count == 3 else { return badAuthEncoding() }
    phase = .waiting
    return .authenticate(
      user: String(decoding: fields[1], as: UTF8.self),
      password: String(decoding: fields[2], as: UTF8.self))
  }

  public enum Authentication: Sendable {
    case accepted
    case refused
    /// The keys could not be read: try again later (RFC 4954 §6, 454 4.7.0).
    case unavailable
  }

  /// The answer to `.authenticate`.
  public mutating func authenticated(_ outcome: Authentication) -> Effect {
    phase = .ready
    switch outcome {
    case .accepted:
      authenticated = true
      errors = 0
      return .reply(SMTPReply(235, "2.7.0", "Authentication successful"))
    case .refused:
      return refuse(SMTPReply(535, "5.7.8", "Authentication credentials invalid"))
    case .unavailable:
      return .reply(SMTPReply(454, "4.7.0", "Temporary authentication failure, try again later"))
    }
  }

  /// The answer to `.checkRecipient`: nil takes the recipient, a reply refuses it (a refusal
  /// the rules made, not the client's error: it does not count towards closing the session).
  public mutating func recipientChecked(_ refusal: SMTPReply?) -> Effect {
    guard let (from, recipients, candidate) = pendingRecipient else {
      return .reply(SMTPReply(503, "5.5.1", "No recipient is being checked"))
    }
    pendingRecipient = nil
    if let refusal {
      phase = recipients.isEmpty ? .mail(from: from) : .recipients(from: from, to: recipients)
      return .reply(refusal)
    }
    phase = .recipients(from: from, to: recipients + [candidate])
    errors = 0
    return .reply(SMTPReply(250, "2.1.5", "Ok"))
  }

  /// The answer to `.deliver`: the session is ready for the next message.
  public mutating func delivered(_ reply: SMTPReply) -> Effect {
    phase = .ready
    return .reply(reply)
  }

  mutating func receiveData(
    _ line: [UInt8], crlf: Bool, overlong: Bool, from: String, to: [String]
  ) -> Effect? {
    defer { previousLineEndedCRLF = crlf }
    if line == [UInt8(ascii: ".")] && crlf && previousLineEndedCRLF {
      let message = data
      data = []
      if dataTooLarge {
        phase = .ready
        return .reply(
          SMTPReply(552, "5.3.4", "Message size exceeds fixed limit of \(limits.messageSize) bytes")
        )
      }
      if dataLineTooLong {
        phase = .ready
        return .reply(
          SMTPReply(500, "5.5.2", "A line of the message is longer than \(limits.dataLine) bytes"))
      }
      phase = .waiting
      return .deliver(from: from, recipients: to, data: message)
    }
    if overlong { dataLineTooLong = true }
    guard !dataTooLarge, !dataLineTooLong else { return nil }
    // RFC 5321 §4.5.2: a leading dot was doubled by the client.
    let content = line.first == UInt8(ascii: ".") ? line.dropFirst() : line[...]
    if data.count + content.count + 2 > limits.messageSize {
      dataTooLarge = true
      data = []
      return nil
    }
    data += content
    data += [0x0D, 0x0A]
    return nil
  }

  mutating func refuse(_ reply: SMTPReply) -> Effect {
    errors += 1
    guard errors < limits.errors else {
      return .close(SMTPReply(421, "4.7.0", "\(hostname) Too many errors, closing"))
    }
    return .reply(reply)
  }

  mutating func cancelAuth() -> Effect {
    phase = .ready
    return refuse(SMTPReply(501, "5.0.0", "Authentication cancelled"))
  }

  mutating func badAuthEncoding() -> Effect {
    phase = .ready
    return refuse(SMTPReply(501, "5.5.2", "Cannot decode the response"))
  }

  static func base64Bytes(_ text: String) -> [UInt8]? {
    Data(base64Encoded: text).map(Array.init)
  }

  static func base64(_ text: String) -> String? {
    base64Bytes(text).flatMap { String(validating: $0, as: UTF8.self) }
  }
}
