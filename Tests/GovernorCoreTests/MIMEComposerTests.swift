import Foundation
import GovernorCore
import Testing

/// Messages an API described as parts, written as MIME and read back by the same reader the
/// SMTP door uses.
@Suite("MIME composer")
struct MIMEComposerTests {
  let pdf = Data(
    [0x25, 0x50, 0x44, 0x46, 0x00, 0xFF, 0x10, 0x80] + Array(repeating: 0x41, count: 200))

  @Test("bodies and files read back: the text, the HTML, each file's bytes and name")
  func roundTrip() throws {
    let bytes = MIMEComposer.content(
      html: "<p>Caf\u{00E9}</p>", text: "Caf\u{00E9}",
      attachments: [
        MIMEAttachment(
          base64: pdf.base64EncodedString(), type: "application/pdf",
          filename: "r\u{00E9}sum\u{00E9}.pdf"),
        MIMEAttachment(
          base64: "iVBORw0KGgo=", type: "image/png", filename: "logo.png", inline: true,
          contentId: "logo"),
      ])
    let document = try MIMEDocument(bytes)
    let bodies = try document.bodies()
    #expect(try document.text(of: try #require(bodies.html)) == "<p>Caf\u{00E9}</p>")
    #expect(try document.text(of: try #require(bodies.text)) == "Caf\u{00E9}")
    let files = document.attachments
    #expect(files.count == 2)
    #expect(files[0].filename == "r\u{00E9}sum\u{00E9}.pdf")
    #expect(document.content(of: files[0]) == Array(pdf))
    #expect(files[1].contentId == "logo")
    #expect(files[1].disposition?.value == "inline")
  }

  @Test("the same parts compose to the same bytes; a field cannot add a header line")
  func deterministicAndSafe() throws {
    let file = MIMEAttachment(
      base64: "QUJD", type: "text/plain\r\nBcc: x@example.com", filename: "a\r\nX-Evil: 1")
    let one = MIMEComposer.content(html: nil, text: "hi", attachments: [file])
    #expect(one == MIMEComposer.content(html: nil, text: "hi", attachments: [file]))
    let text = String(decoding: one, as: UTF8.self)
    #expect(!text.contains("\r\nBcc:") && !text.contains("\r\nX-Evil:"))
    let document = try MIMEDocument(one)
    #expect(document.headers.first("Bcc") == nil)
  }
}
