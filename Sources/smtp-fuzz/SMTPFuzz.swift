import Foundation
import FuzzSupport
import GovernorSMTP

// libFuzzer target for the SMTP command parser and session state machine (`make fuzz`),
// built like rewriter-fuzz. The input is a session as a client would send it, split into
// lines at LF. Beyond "does not crash", each input is checked for what the session promises:
// - every reply is a code from 200 to 599 with at least one line, and no line holds CR or LF
//   (a client's bytes never end a reply line early);
// - a message handed over is within the size limit and has recipients, within their limit;
// - after `.close`, nothing more is answered.

enum SMTPFuzz {
  static func check(_ input: UnsafeBufferPointer<UInt8>) {
    var limits = SMTPLimits()
    limits.messageSize = 4_096
    limits.recipients = 8
    limits.dataLine = 512
    // Every other input checks recipients at RCPT, so both paths are explored.
    var session = SMTPSession(
      hostname: "fuzz.test", limits: limits, tlsOffered: true, tlsActive: false,
      authInClear: true, checksRecipients: input.count % 2 == 0)
    var closed = false
    var start = 0
    let bytes = Array(input)
    while start < bytes.count {
      let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
      var line = Array(bytes[start..<end])
      let crlf = line.last == 0x0D
      if crlf { line.removeLast() }
      start = end + 1
      let overlong = line.count > limits.dataLine
      guard let effect = session.receive(line: overlong ? [] : line, crlf: crlf, overlong: overlong)
      else { continue }
      if closed { fatalError("answered after closing") }
      var followUp: SMTPSession.Effect? = effect
      while let current = followUp {
        followUp = nil
        switch current {
        case .reply(let reply), .startTLS(let reply):
          checkReply(reply)
        case .close(let reply):
          checkReply(reply)
          closed = true
        case .checkRecipient(let recipient, _):
          followUp = session.recipientChecked(
            recipient.hasPrefix("x") ? SMTPReply(550, "5.7.1", "consent_missing") : nil)
        case .authenticate(_, let password):
          followUp = session.authenticated(password.hasPrefix("mg_") ? .accepted : .refused)
        case .deliver(_, let recipients, let data):
          guard data.count <= limits.messageSize else { fatalError("a message over the limit") }
          guard !recipients.isEmpty, recipients.count <= limits.recipients else {
            fatalError("\(recipients.count) recipients handed over")
          }
          followUp = session.delivered(SMTPReply(250, "2.0.0", "Ok"))
        }
      }
      if closed { return }
    }
  }

  static func checkReply(_ reply: SMTPReply) {
    guard (200...599).contains(reply.code), !reply.lines.isEmpty else {
      fatalError("reply \(reply.code) with \(reply.lines.count) lines")
    }
    for line in reply.lines where line.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
      fatalError("a reply line holds a line break: \(line)")
    }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func smtpFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  SMTPFuzz.check(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
  return 0
}

#if FUZZING
  @_cdecl("smtp_fuzz_main")
  public func fuzzerMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    runLibFuzzer(argc, argv, smtpFuzzOne)
  }
#else
  @main
  enum Replay {
    static func main() throws { try replayInputs { SMTPFuzz.check($0) } }
  }
#endif
