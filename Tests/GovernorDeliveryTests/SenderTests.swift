import Foundation
import GovernorCore
import GovernorDelivery
import TestPeers
import Testing

let sample = Message(
  id: "bf26-1001", customerId: "1001", to: "ana@example.com",
  from: "Shop <news@shop.example>", subject: "Día de ofertas", html: "<p>Hola Ana</p>",
  text: "Hola Ana", headers: ["X-Campaign": "bf26"], category: "marketing", campaignId: "bf26")

@Suite("Senders")
struct SenderTests {
  @Test("the outbox writes ID.eml (a MIME message) and ID.json (the message as received)")
  func outbox() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("outbox-\(UUID().uuidString)").path
    let result = await OutboxSender(folder: folder).deliver(sample, tracking: .allowed)
    #expect(result == .delivered(reference: "bf26-1001.eml", attempts: 1))
    let eml = try String(contentsOfFile: folder + "/bf26-1001.eml", encoding: .utf8)
    #expect(eml.contains("To: ana@example.com\r\n"))
    #expect(
      eml.contains("Subject: =?UTF-8?B?\(Data("Día de ofertas".utf8).base64EncodedString())?=\r\n"))
    #expect(eml.contains("Message-ID: <bf26-1001@shop.example>\r\n"))
    #expect(eml.contains("X-Campaign: bf26\r\n"))
    #expect(eml.contains("Content-Type: multipart/alternative; boundary="))
    #expect(eml.contains(Data("<p>Hola Ana</p>".utf8).base64EncodedString()))
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: folder + "/bf26-1001.json"))) as? [String: Any]
    #expect(json?["customer_id"] as? String == "1001")
    #expect(json?["subject"] as? String == "Día de ofertas")
  }

  @Test("an outbox it cannot write to is a failure with the reason")
  func outboxUnwritable() async {
    let result = await OutboxSender(folder: "/proc/governor-outbox").deliver(
      sample, tracking: .allowed)
    guard case .failed(let reason, _) = result else {
      Issue.record("wrote to /proc")
      return
    }
    #expect(reason.hasPrefix("outbox /proc/governor-outbox: "))
  }

  @Test("the webhook posts the documented JSON with the message id as idempotency key")
  func webhook() async throws {
    try await LoopbackSink.with(script: [
      .init(status: 503), .init(status: 200, body: #"{"id":"wh-77"}"#),
    ]) {
      base, sink in
      let sender = WebhookSender(
        url: base + "/hooks/mail",
        delivery: HTTPDelivery(transport: CurlTransport(), pause: { _ in }))
      let result = await sender.deliver(sample, tracking: .allowed)
      #expect(result == .delivered(reference: "wh-77", attempts: 2))
      let requests = await sink.received
      #expect(requests.count == 2)
      let request = try #require(requests.last)
      #expect(request.path == "/hooks/mail")
      #expect(request.headers["idempotency-key"] == "bf26-1001")
      #expect(request.headers["content-type"] == "application/json")
      let body = try JSONSerialization.jsonObject(with: request.body) as? [String: Any]
      #expect(body?["id"] as? String == "bf26-1001")
      #expect(body?["customer_id"] as? String == "1001")
      #expect(body?["category"] as? String == "marketing")
      #expect((body?["mime"] as? String)?.contains("MIME-Version: 1.0\r\n") == true)
    }
  }
}

@Suite("MIME rendering")
struct MIMEMessageTests {
  @Test("one body part needs no multipart; no body still makes a valid message")
  func singlePart() {
    var textOnly = sample
    textOnly.html = nil
    let rendered = MIMEMessage.render(textOnly, date: Date(timeIntervalSince1970: 0))
    #expect(rendered.contains("Content-Type: text/plain; charset=utf-8\r\n"))
    #expect(!rendered.contains("multipart"))
    #expect(rendered.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
    var empty = sample
    empty.html = nil
    empty.text = nil
    #expect(MIMEMessage.render(empty, date: Date()).hasSuffix("\r\n\r\n\r\n"))
  }

  @Test(
    "the Date header is RFC 5322 in UTC, also before 1970 and on a leap day",
    arguments: [
      (1_795_000_000.0, "Wed, 18 Nov 2026 11:06:40 +0000"),
      (-1.0, "Wed, 31 Dec 1969 23:59:59 +0000"),
      (951_825_599.5, "Tue, 29 Feb 2000 11:59:59 +0000"),
    ])
  func dateHeader(seconds: Double, expected: String) {
    #expect(MIMEMessage.rfc5322Date(Date(timeIntervalSince1970: seconds)) == expected)
  }

  @Test("long bodies are base64 in lines of at most 76 characters")
  func lineLength() {
    var long = sample
    long.text = String(repeating: "¡Ofertas! ", count: 200)
    long.html = nil
    let rendered = MIMEMessage.render(long, date: Date())
    #expect(rendered.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
    let body = rendered.components(separatedBy: "\r\n\r\n")[1]
    #expect(body.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
  }
}
