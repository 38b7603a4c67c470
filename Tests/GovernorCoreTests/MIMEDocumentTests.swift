import Foundation
import GovernorCore
import Testing

/// Whole messages as campaign tools write them: parsed into their one HTML and one text body
/// and their other parts, and written back with only the bodies the rules changed replaced.
@Suite("MIME documents")
struct MIMEDocumentTests {
  /// multipart/mixed ⊃ (multipart/related ⊃ (multipart/alternative ⊃ text, html), image),
  /// attachment — the shape of a newsletter with an inline logo and a PDF.
  static let newsletter = """
    From: =?UTF-8?Q?Caf=C3=A9_News?= <news@shop.example>\r
    To: a@example.com\r
    Subject: =?utf-8?B?V2Vla2x5IG7DqXdz?= =?utf-8?Q?_for_you?=\r
    Message-ID: <abc@shop.example>\r
    MIME-Version: 1.0\r
    Content-Type: multipart/mixed; boundary="outer"\r
    \r
    This is a preamble.\r
    --outer\r
    Content-Type: multipart/related; boundary=rel\r
    \r
    --rel\r
    Content-Type: multipart/alternative;\r
     boundary="alt"\r
    \r
    --alt\r
    Content-Type: text/plain; charset=iso-8859-1\r
    Content-Transfer-Encoding: quoted-printable\r
    \r
    Caf=E9 news, long line soft-=\r
    broken here.\r
    --alt\r
    Content-Type: text/html; charset="utf-8"\r
    Content-Transfer-Encoding: base64\r
    \r
    PHA+SGVsbG8gPGltZyBzcmM9Imh0dHBzOi8vdC5leGFtcGxlL28uZ2lmIj48L3A+\r
    --alt--\r
    --rel\r
    Content-Type: image/png\r
    Content-ID: <logo@shop>\r
    Content-Transfer-Encoding: base64\r
    \r
    iVBORw0KGgo=\r
    --rel--\r
    --outer\r
    Content-Type: application/pdf; name="r=C3=A9sum=C3=A9.pdf"\r
    Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r
    Content-Transfer-Encoding: base64\r
    \r
    JVBERi0xLjQK\r
    --outer--\r
    Epilogue.\r

    """

  func document(_ text: String = newsletter) throws -> MIMEDocument {
    try MIMEDocument(Array(text.utf8))
  }

  @Test("the bodies are found through nesting and decoded from QP, base64 and ISO-8859-1")
  func bodies() throws {
    let document = try document()
    let (html, text) = try document.bodies()
    #expect(
      try document.text(of: try #require(html))
        == #"<p>Hello <img src="https://t.example/o.gif"></p>"#)
    #expect(
      try document.text(of: try #require(text)) == "Café news, long line soft-broken here.")
    let attachments = document.attachments
    #expect(attachments.map(\.contentType.value) == ["image/png", "application/pdf"])
    #expect(attachments[0].contentId == "logo@shop")
    #expect(attachments[1].filename == "résumé.pdf")
    #expect(document.content(of: attachments[1]) == Array("%PDF-1.4\n".utf8))
  }

  @Test("encoded-words: adjacent words join, B and Q, unknown charsets stay as written")
  func encodedWords() {
    #expect(
      EncodedWords.decode("=?utf-8?B?V2Vla2x5IG7DqXdz?= =?utf-8?Q?_for_you?=")
        == "Weekly néws for you")
    #expect(EncodedWords.decode("=?UTF-8?Q?Caf=C3=A9_News?= <n@x>") == "Café News <n@x>")
    #expect(
      EncodedWords.decode("plain =?x-unknown?Q?abc?= text") == "plain =?x-unknown?Q?abc?= text")
    #expect(EncodedWords.decode("no words") == "no words")
  }

  @Test("unchanged bodies leave the content byte for byte")
  func unchangedIsIdentical() throws {
    let document = try document()
    let (html, text) = try document.bodies()
    let entity = try document.entity(
      html: try document.text(of: try #require(html)),
      text: try document.text(of: try #require(text)))
    let body = String(decoding: entity, as: UTF8.self)
    let original = Self.newsletter
    let bodyStart = try #require(original.range(of: "\r\n\r\n")).upperBound
    #expect(body.hasSuffix(String(original[bodyStart...])))
    #expect(body.hasPrefix("Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"))
  }

  @Test("a changed HTML body is replaced as UTF-8 base64; every other part is the sender's bytes")
  func changedBodyReplaced() throws {
    let document = try document()
    let entity = try document.entity(html: "<p>Hello</p>", text: nil)
    let rewritten = try MIMEDocument(Array("Subject: x\r\n".utf8) + entity)
    let (html, text) = try rewritten.bodies()
    #expect(try rewritten.text(of: try #require(html)) == "<p>Hello</p>")
    #expect(
      try rewritten.text(of: try #require(text)) == "Café news, long line soft-broken here.")
    let written = String(decoding: entity, as: UTF8.self)
    #expect(
      written.contains(
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+SGVsbG88L3A+\r\n--alt--"
      ))
    for unchanged in [
      "Content-Type: image/png\r\nContent-ID: <logo@shop>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n",
      "filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\nEpilogue.",
      "Caf=E9 news, long line soft-=\r\nbroken here.\r\n--alt\r\n",
    ] {
      #expect(written.contains(unchanged), "\(unchanged)")
    }
    #expect(rewritten.content(of: rewritten.attachments[1]) == Array("%PDF-1.4\n".utf8))
  }

  @Test("a single-part message's body is replaced with its content headers")
  func singlePart() throws {
    let document = try document(
      "Subject: x\r\nContent-Type: text/html\r\nX-Other: kept out\r\n\r\n<p>a <img src=x></p>\r\n")
    let entity = try document.entity(html: "<p>a</p>", text: nil)
    #expect(
      String(decoding: entity, as: UTF8.self)
        == "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+YTwvcD4=\r\n"
    )
  }

  // Found by mime-fuzz: a delimiter at the very end of a multipart opens a part with no bytes,
  // whose empty range overlaps nothing, so its new body was silently left out.
  @Test("an empty body part is replaced like any other")
  func emptyPartReplaced() throws {
    let document = try document(
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/related; boundary=r\r\n\r\n--r\r\n\n--o\r\nContent-Type: image/png\r\n\r\nPNG\r\n--o--\r\n"
    )
    let text = try #require(document.bodies().text)
    #expect(text.range.isEmpty)
    let entity = try document.entity(html: nil, text: "rewritten")
    let again = try MIMEDocument(Array("X: y\r\n".utf8) + entity)
    #expect(try again.text(of: try #require(again.bodies().text)) == "rewritten")
    #expect(again.attachments.map { again.content(of: $0) } == [Array("PNG".utf8)])
    // Found by mime-fuzz too: an empty part between two delimiters, a part after it.
    let between = try self.document(
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: image/png\r\n\r\nPNG\r\n--o\r\n--o\r\nContent-Type: image/gif\r\n\r\nGIF\r\n--o--\r\n"
    )
    #expect(try #require(between.bodies().text).range.isEmpty)
    let rewrittenBetween = try MIMEDocument(
      Array("X: y\r\n".utf8) + between.entity(html: nil, text: "rewritten"))
    #expect(
      try rewrittenBetween.text(of: try #require(rewrittenBetween.bodies().text)) == "rewritten")
    #expect(
      rewrittenBetween.attachments.map { rewrittenBetween.content(of: $0) }
        == [Array("PNG".utf8), Array("GIF".utf8)])
    // The same part at the very end, its delimiter with no line break after it.
    let last = try self.document(
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: image/png\r\n\r\nPNG\r\n--o\r"
    )
    let rewritten = try MIMEDocument(
      Array("X: y\r\n".utf8) + last.entity(html: nil, text: "rewritten"))
    #expect(try rewritten.text(of: try #require(rewritten.bodies().text)) == "rewritten")
  }

  @Test("what cannot be checked is refused, named")
  func refusals() throws {
    #expect(throws: MIMEError.severalBodies("text/html")) {
      try MIMEDocument(
        Array(
          "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>1\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>2\r\n--b--\r\n"
            .utf8))
    }
    let koi8 = try document("Content-Type: text/plain; charset=koi8-r\r\n\r\n\u{00C1}\r\n")
    #expect(throws: MIMEError.unknownCharset("koi8-r")) {
      try koi8.text(of: try #require(koi8.bodies().text))
    }
    var nested = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for depth in 1...30 {
      nested += "--b\(depth - 1)\r\nContent-Type: multipart/mixed; boundary=b\(depth)\r\n\r\n"
    }
    #expect(throws: MIMEError.tooDeep) { try MIMEDocument(Array(nested.utf8)) }
  }

  @Test("bare LF line ends, a missing closing boundary and no Content-Type are read leniently")
  func lenient() throws {
    let document = try document(
      "Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: text/html\n\n<p>hi</p>\n"
    )
    let (html, text) = try document.bodies()
    #expect(try document.text(of: try #require(text)) == "hi")
    #expect(try document.text(of: try #require(html)) == "<p>hi</p>\n")
    let plain = try self.document("Subject: x\r\n\r\njust text\r\n")
    #expect(try plain.text(of: try #require(plain.bodies().text)) == "just text\r\n")
  }
}
