import Foundation
import GovernorSMTP
import Testing

/// The session state machine with values: lines in, replies and effects out.
@Suite("SMTP session")
struct SMTPSessionTests {
  func session(tls: Bool = true, inClear: Bool = false, limits: SMTPLimits = SMTPLimits())
    -> SMTPSession
  {
    SMTPSession(
      hostname: "gov.test", limits: limits, tlsOffered: tls, tlsActive: false,
      authInClear: inClear)
  }

  func say(_ session: inout SMTPSession, _ line: String, crlf: Bool = true) -> SMTPSession.Effect? {
    session.receive(line: Array(line.utf8), crlf: crlf)
  }

  func reply(_ effect: SMTPSession.Effect?) -> String {
    switch effect {
    case .reply(let reply), .close(let reply), .startTLS(let reply): reply.wire
    default: "\(String(describing: effect))"
    }
  }

  @Test("off loopback, AUTH is neither offered nor taken before STARTTLS; after it, both")
  func authNeedsTLS() {
    var session = session()
    let ehlo = reply(say(&session, "EHLO client"))
    #expect(ehlo.contains("250-STARTTLS\r\n") && !ehlo.contains("AUTH"))
    #expect(
      reply(say(&session, "AUTH PLAIN AGEAYg=="))
        == "538 5.7.11 Encryption required: STARTTLS first\r\n")
    #expect(reply(say(&session, "MAIL FROM:<a@b.example>")).hasPrefix("530 5.7.0"))
    #expect(say(&session, "STARTTLS") == .startTLS(SMTPReply(220, "2.0.0", "Ready to start TLS")))
    // RFC 3207: the client greets again; nothing from before counts.
    #expect(reply(say(&session, "MAIL FROM:<a@b.example>")) == "503 5.5.1 Send EHLO first\r\n")
    let again = reply(say(&session, "EHLO client"))
    #expect(again.contains("250-AUTH PLAIN LOGIN\r\n") && !again.contains("STARTTLS"))
    #expect(
      say(&session, "AUTH PLAIN " + Data("\u{0}user\u{0}mg_key".utf8).base64EncodedString())
        == .authenticate(user: "user", password: "mg_key"))
    #expect(reply(session.authenticated(.accepted)) == "235 2.7.0 Authentication successful\r\n")
  }

  @Test("AUTH LOGIN asks Username: and Password: as Go's and PHP's clients expect; * cancels")
  func authLogin() {
    var session = session(tls: false, inClear: true)
    _ = say(&session, "EHLO client")
    #expect(reply(say(&session, "AUTH LOGIN")) == "334 VXNlcm5hbWU6\r\n")
    #expect(
      reply(say(&session, Data("governor".utf8).base64EncodedString())) == "334 UGFzc3dvcmQ6\r\n")
    #expect(
      say(&session, Data("mg_secret".utf8).base64EncodedString())
        == .authenticate(user: "governor", password: "mg_secret"))
    #expect(
      reply(session.authenticated(.refused)) == "535 5.7.8 Authentication credentials invalid\r\n")
    #expect(reply(say(&session, "AUTH LOGIN")) == "334 VXNlcm5hbWU6\r\n")
    #expect(reply(say(&session, "*")) == "501 5.0.0 Authentication cancelled\r\n")
    #expect(reply(say(&session, "AUTH PLAIN")) == "334 \r\n")
    #expect(reply(say(&session, "not base64!")) == "501 5.5.2 Cannot decode the response\r\n")
  }

  func authenticated(limits: SMTPLimits = SMTPLimits()) -> SMTPSession {
    var session = session(tls: false, inClear: true, limits: limits)
    _ = say(&session, "EHLO client")
    _ = say(&session, "AUTH PLAIN " + Data("\u{0}u\u{0}k".utf8).base64EncodedString())
    _ = session.authenticated(.accepted)
    return session
  }

  @Test("a transaction: dot-unstuffing, only CRLF.CRLF ends it, RSET between messages")
  func transaction() {
    var session = authenticated()
    #expect(
      reply(say(&session, "MAIL FROM:<news@shop.example> SIZE=100 BODY=8BITMIME"))
        == "250 2.1.0 Ok\r\n")
    #expect(reply(say(&session, "RCPT TO:<a@example.com>")) == "250 2.1.5 Ok\r\n")
    #expect(reply(say(&session, "RCPT TO: <b@example.com>")) == "250 2.1.5 Ok\r\n")
    #expect(reply(say(&session, "DATA")).hasPrefix("354 "))
    #expect(say(&session, "Subject: x") == nil)
    #expect(say(&session, "") == nil)
    #expect(say(&session, "..leading dot") == nil)
    // A bare-LF dot is data, and so is a dot right after a bare LF (SMTP smuggling).
    #expect(say(&session, ".", crlf: false) == nil)
    #expect(say(&session, ".") == nil)
    #expect(say(&session, "end") == nil)
    #expect(
      say(&session, ".")
        == .deliver(
          from: "news@shop.example", recipients: ["a@example.com", "b@example.com"],
          data: Array("Subject: x\r\n\r\n.leading dot\r\n\r\n\r\nend\r\n".utf8)))
    #expect(reply(session.delivered(SMTPReply(250, "2.0.0", "Ok"))) == "250 2.0.0 Ok\r\n")
    #expect(reply(say(&session, "RSET")) == "250 2.0.0 Ok\r\n")
    #expect(reply(say(&session, "MAIL FROM:<>")) == "250 2.1.0 Ok\r\n")
  }

  @Test("limits: SIZE, recipients, an over-long message or line, repeated errors")
  func limits() {
    var limits = SMTPLimits()
    limits.messageSize = 100
    limits.recipients = 2
    limits.errors = 3
    var session = authenticated(limits: limits)
    #expect(reply(say(&session, "MAIL FROM:<a@b.example> SIZE=101")).hasPrefix("552 5.3.4"))
    _ = say(&session, "MAIL FROM:<a@b.example>")
    _ = say(&session, "RCPT TO:<1@example.com>")
    _ = say(&session, "RCPT TO:<2@example.com>")
    #expect(reply(say(&session, "RCPT TO:<3@example.com>")).hasPrefix("452 4.5.3"))
    _ = say(&session, "DATA")
    #expect(say(&session, String(repeating: "x", count: 120)) == nil)
    #expect(reply(say(&session, ".")).hasPrefix("552 5.3.4"))
    #expect(reply(say(&session, "FOO")) == "500 5.5.2 Command unrecognized\r\n")
    #expect(reply(say(&session, "RCPT TO:<x@example.com>")).hasPrefix("503 5.5.1"))
    #expect(
      say(&session, "BAR") == .close(SMTPReply(421, "4.7.0", "gov.test Too many errors, closing")))
  }

  // Found by smtp-fuzz: the EHLO name is echoed in the greeting, and a bare CR in it ended the
  // reply line early.
  @Test("what a client sent is echoed without its control characters")
  func repliesStayOneLine() {
    var session = session()
    let ehlo = reply(say(&session, "EHLO clien\rt\u{0}x"))
    #expect(ehlo.hasPrefix("250-gov.test greets clien?t?x\r\n"))
    #expect(SMTPReply(550, "5.7.1", "a\r\n250 b\tc").wire == "550 5.7.1 a??250 b\tc\r\n")
  }

  @Test("the command parser: paths, parameters, verbs in any case, garbage")
  func commands() {
    #expect(
      SMTPCommand.parse(Array("mail from:<@relay.example:a@b.example> size=12".utf8))
        == .mail(from: "a@b.example", parameters: ["SIZE": "12"]))
    #expect(
      SMTPCommand.parse(Array("RCPT TO:a@b.example".utf8))
        == .malformed(code: 501, enhanced: "5.5.4", text: "Syntax: RCPT TO:<address>"))
    #expect(SMTPCommand.parse([0xFF, 0xFE]) == nil)
    // Found by smtp-fuzz: a parameter that is only `=` crashed the parser.
    #expect(
      SMTPCommand.parse(Array("MAIL FROM:<a@b.example>=".utf8))
        == .malformed(code: 501, enhanced: "5.5.4", text: "Syntax: MAIL FROM:<address>"))
    #expect(
      SMTPCommand.parse(Array("MAIL FROM:<a@b.example> BODY= X".utf8))
        == .mail(from: "a@b.example", parameters: ["BODY": "", "X": ""]))
    #expect(SMTPCommand.parse(Array("VRFY root".utf8)) == .vrfy)
    #expect(SMTPCommand.parse(Array("XYZZY".utf8)) == .unknown("XYZZY"))
  }

  @Test("recipients checked at RCPT: a refusal leaves the transaction as it was; loopback trust")
  func recipientChecks() {
    var session = SMTPSession(
      hostname: "gov.test", limits: SMTPLimits(), tlsOffered: false, tlsActive: false,
      authInClear: true, checksRecipients: true, trusted: true)
    _ = say(&session, "EHLO client")
    #expect(reply(say(&session, "MAIL FROM:<news@shop.example>")) == "250 2.1.0 Ok\r\n")
    #expect(
      say(&session, "RCPT TO:<no@example.com>")
        == .checkRecipient("no@example.com", from: "news@shop.example"))
    #expect(say(&session, "NOOP") == nil, "nothing is read while the check runs")
    let refusal = SMTPReply(550, "5.7.1", "consent_missing (consent): no consent")
    #expect(reply(session.recipientChecked(refusal)) == refusal.wire)
    #expect(reply(say(&session, "DATA")) == "554 5.5.1 No valid recipients\r\n")
    _ = say(&session, "RCPT TO:<yes@example.com>")
    #expect(reply(session.recipientChecked(nil)) == "250 2.1.5 Ok\r\n")
    #expect(reply(say(&session, "DATA")).hasPrefix("354 "))
  }
}
