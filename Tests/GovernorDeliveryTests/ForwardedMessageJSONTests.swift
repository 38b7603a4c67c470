import Foundation
import GovernorCore
import Testing

@testable import GovernorDelivery

@Suite("The webhook's JSON body")
struct ForwardedMessageJSONTests {
  static let messages: [Message] = [
    Message(
      id: "m-1", customerId: "c1", to: "ana@example.com", from: "shop@shop.example",
      subject: "Hello", text: "Plain", category: "transactional"),
    Message(
      id: "m-2/\"quoted\"", customerId: "c\u{1}2", to: "bé@example.com",
      from: "Shop <shop@shop.example>", subject: "Ünïcödé 🎉 \t tab \\ backslash",
      html: "<p class=\"x\">a/b</p>\r\n<a href=\"https://x.example/?a=1&b=2\">ç</a>\u{7f}\u{2028}",
      text: "line\nbreak",
      headers: ["X-B": "2", "x-a": "1", "Reply-To": "r@shop.example", "É": "é"],
      category: "marketing", campaignId: "winter/2026",
      receivedAt: Date(timeIntervalSince1970: 1_795_000_123.987)),
    Message(
      id: "", customerId: "", to: "", from: "", subject: "", html: "", text: nil,
      headers: [:], category: "", campaignId: "", receivedAt: Date(timeIntervalSince1970: 0)),
  ]

  @Test("written by hand, the body is byte for byte what JSONEncoder writes")
  func sameAsJSONEncoder() throws {
    for message in Self.messages {
      for tracking in [
        SenderTracking.allowed, .disabled, .init(opens: true, clicks: false, linkParameters: true),
      ] {
        let mime = MIMEMessage.render(message, date: Date(timeIntervalSince1970: 1_795_000_000))
        let byHand = ForwardedMessageJSON.compact(message, tracking: tracking, mime: mime)
        let encoded = try ForwardedMessageJSON.encoded(message, tracking: tracking, mime: mime)
        #expect(
          String(decoding: byHand, as: UTF8.self) == String(decoding: encoded, as: UTF8.self))
      }
    }
  }
}
