import Foundation
import GovernorCore
import Testing

@testable import GovernorDelivery

/// A message a door took whole (SMTP): what leaves is the sender's message with its bodies as
/// the rules left them, its other parts byte for byte.
@Suite("Whole messages leaving")
struct WholeMessageTests {
  static let source = Array(
    """
    From: News <news@shop.example>\r
    To: a@example.com, b@example.com\r
    Cc: c@example.com\r
    Subject: Offer\r
    Date: Tue, 01 Dec 2026 09:00:00 +0000\r
    Message-ID: <offer-1@shop.example>\r
    DKIM-Signature: v=1; d=shop.example; b=abc\r
    MIME-Version: 1.0\r
    Content-Type: multipart/mixed; boundary="b1"\r
    \r
    --b1\r
    Content-Type: text/html; charset=utf-8\r
    \r
    <p>Offer <img src="https://pixel.example/o.gif"></p>\r
    --b1\r
    Content-Type: image/png; name="logo.png"\r
    Content-Disposition: inline; filename="logo.png"\r
    Content-ID: <logo@shop>\r
    Content-Transfer-Encoding: base64\r
    \r
    iVBORw0KGgoAAAANSUhEUg==\r
    --b1--\r

    """.utf8)

  func message() throws -> Message {
    Message(
      id: "<offer-1@shop.example>/a@example.com", customerId: "a", to: "a@example.com",
      from: "News <news@shop.example>", subject: "Offer", html: "<p>Offer </p>",
      headers: ["Reply-To": "help@shop.example"], category: "marketing",
      mime: try MIMESource(Self.source))
  }

  @Test(
    "the raw message: headers from the fields, the sender's Date and Message-ID, the image untouched"
  )
  func raw() throws {
    let text = String(decoding: MIMEMessage.bytes(try message(), date: Date()), as: UTF8.self)
    #expect(
      text.hasPrefix("From: News <news@shop.example>\r\nTo: a@example.com\r\nSubject: Offer\r\n"))
    #expect(
      text.contains(
        "Date: Tue, 01 Dec 2026 09:00:00 +0000\r\nMessage-ID: <offer-1@shop.example>\r\n"))
    #expect(text.contains("Reply-To: help@shop.example\r\n"))
    #expect(
      !text.contains("Cc:") && !text.contains("DKIM-Signature") && !text.contains("pixel.example"))
    #expect(
      text.contains(
        "Content-Type: image/png; name=\"logo.png\"\r\nContent-Disposition: inline; filename=\"logo.png\"\r\nContent-ID: <logo@shop>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUg==\r\n--b1--\r\n"
      ))
    let reread = try MIMEDocument(Array(text.utf8))
    #expect(try reread.text(of: try #require(reread.bodies().html)) == "<p>Offer </p>")
  }

  @Test("SendGrid gets the parts: the inline image as an attachment with its Content-ID")
  func sendGridParts() throws {
    let attachments = SendGridSender.attachments(try #require(try message().mime))
    #expect(
      attachments == [
        [
          "content": "iVBORw0KGgoAAAANSUhEUg==", "type": "image/png", "filename": "logo.png",
          "disposition": "inline", "content_id": "logo@shop",
        ]
      ])
  }
}
