import Foundation
import FuzzSupport
import GovernorCore

// libFuzzer target for the MIME parser and writer (`make fuzz`), built like rewriter-fuzz.
// Beyond "does not crash", each message it reads is checked for what the SMTP door promises:
// - written back with its bodies unchanged, the content is the sender's bytes exactly;
// - written back with a new HTML or text body, it reads again, with that body, and with the
//   same attachments, byte for byte.

enum MIMEFuzz {
  static func check(_ input: UnsafeBufferPointer<UInt8>) {
    let bytes = Array(input)
    guard let document = try? MIMEDocument(bytes), let bodies = try? document.bodies() else {
      return
    }
    let html = bodies.html.flatMap { try? document.text(of: $0) }
    let text = bodies.text.flatMap { try? document.text(of: $0) }
    // A body that cannot be decoded is refused by the door; nothing to write back.
    guard (bodies.html == nil) == (html == nil), (bodies.text == nil) == (text == nil) else {
      return
    }
    guard let unchanged = try? document.entity(html: html, text: text) else {
      fatalError("an unchanged message cannot be written back")
    }
    var expected: [UInt8] = []
    let top = document.headers.filter { $0.name.lowercased().hasPrefix("content-") }
    for field in top { expected += bytes[field.range] }
    if let last = top.last, bytes[last.range].last != 0x0A { expected += [0x0D, 0x0A] }
    expected += [0x0D, 0x0A] + bytes[document.root.bodyRange]
    guard unchanged == expected else { fatalError("unchanged bodies, yet the content changed") }
    let newHTML = html.map { _ in "<p>rewritten \u{00E9}</p>" }
    let newText = text.map { _ in "rewritten text" }
    guard let changed = try? document.entity(html: newHTML, text: newText) else {
      fatalError("a changed message cannot be written back")
    }
    guard let again = try? MIMEDocument(Array("X: y\r\n".utf8) + changed),
      let reread = try? again.bodies()
    else { fatalError("a written message does not read again") }
    if let newHTML, reread.html.flatMap({ try? again.text(of: $0) }) != newHTML {
      fatalError("the new HTML body did not survive")
    }
    if let newText, reread.text.flatMap({ try? again.text(of: $0) }) != newText {
      fatalError("the new text body did not survive")
    }
    let before = document.attachments.map { document.content(of: $0) }
    let after = again.attachments.map { again.content(of: $0) }
    guard before == after else { fatalError("an attachment changed") }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func mimeFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  MIMEFuzz.check(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
  return 0
}

#if FUZZING
  @_cdecl("mime_fuzz_main")
  public func fuzzerMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    runLibFuzzer(argc, argv, mimeFuzzOne)
  }
#else
  @main
  enum Replay {
    static func main() throws { try replayInputs { MIMEFuzz.check($0) } }
  }
#endif
