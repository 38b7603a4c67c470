import Foundation
import GovernorDelivery
import Testing

/// Hostile and broken requests over real HTTP: each is refused with a problem+json naming what
/// is wrong, nothing of it is stored, and what was accepted before it is still there.
@Suite("Bad input over HTTP")
struct BadInputTests {
  func send(_ server: GatewayServer, _ body: Data, path: String = "/v1/messages") async throws
    -> GatewayServer.Reply
  {
    try await server.send("POST", path, body: body)
  }

  /// The message JSON with `field` (`"key":value`) in place of its own, or added.
  static func setting(_ field: String, in message: String) -> String {
    var message = message
    let key = String(field.prefix { $0 != ":" })
    if let range = message.range(of: key + #":"[^"]*""#, options: .regularExpression) {
      message.replaceSubrange(range, with: field)
    } else {
      message = String(message.dropLast()) + "," + field + "}"
    }
    return message
  }

  @Test("header injection in the subject, a header value, a header name or an address: 422")
  func headerInjection() async throws {
    try await GatewayServer.with { server in
      let cases: [(String, String)] = [
        (#""subject":"Hi\r\nBcc: everyone@example.com""#, "subject"),
        (#""headers":{"X-Campaign":"a\r\nBcc: everyone@example.com"}"#, "headers.X-Campaign"),
        (#""headers":{"X-Bad: injected":"value"}"#, "headers.X-Bad: injected"),
        (#""to":"c1@example.com\r\nBcc: everyone@example.com""#, "to"),
      ]
      for (field, named) in cases {
        let message = Self.setting(field, in: GatewayServer.message("inject-\(named.count)"))
        let reply = try await send(server, Data(message.utf8))
        #expect(reply.status == 422, "\(named): \(reply.text)")
        #expect(reply.contentType == "application/problem+json")
        #expect(reply.problemFields.contains(named), "\(named): \(reply.problemFields)")
      }
      #expect(try await server.store.verifyAudit().rows == 0)
    }
  }

  @Test("a message for several people, alone or in a batch, is 422 naming the field; nothing goes")
  func severalRecipients() async throws {
    try await GatewayServer.with { server in
      let cases: [(String, String)] = [
        (#""to":"S4 <s4@example.com>,victim@example.org""#, "to"),
        (#""to":"<c1@example.com>, <victim@example.org>""#, "to"),
        (#""to":"c1@example.com <victim@example.org>""#, "to"),
        (#""from":"news@shop.example, other@shop.example""#, "from"),
        (#""headers":{"Resent-Bcc":"victim@example.org"}"#, "headers.Resent-Bcc"),
        (#""headers":{"Reply-To":"a@shop.example, victim@example.org"}"#, "headers.Reply-To"),
      ]
      for (index, (field, named)) in cases.enumerated() {
        let message = Self.setting(field, in: GatewayServer.message("many-\(index)"))
        let reply = try await send(server, Data(message.utf8))
        #expect(reply.status == 422, "\(named): \(reply.text)")
        #expect(reply.problemFields == [named], "\(named): \(reply.problemFields)")
        let batch = try await send(
          server, Data(#"{"messages":[\#(message)]}"#.utf8), path: "/v1/messages/batch")
        #expect(batch.status == 200)
        #expect(batch.text.contains(named), "\(named): \(batch.text)")
      }
      #expect(try await server.store.verifyAudit().rows == 0)
    }
  }

  @Test("oversized, deeply nested, broken and non-UTF-8 bodies are refused; what came before stays")
  func brokenBodies() async throws {
    try await GatewayServer.with { server in
      let accepted = try await send(server, Data(GatewayServer.message("kept").utf8))
      #expect(accepted.status == 200)
      let oversized = Data(
        (#"{"id":"big","text":""# + String(repeating: "x", count: 2 << 20) + #""}"#).utf8)
      let nested = Data((String(repeating: "[", count: 100_000)).utf8)
      let nestedObject = Data(
        (String(repeating: #"{"a":"#, count: 20_000) + "1" + String(repeating: "}", count: 20_000))
          .utf8)
      var invalidUTF8 = Data(GatewayServer.message("bad-utf8").utf8)
      invalidUTF8.replaceSubrange(
        try #require(invalidUTF8.range(of: Data("Hello".utf8))),
        with: [0xC3, 0x28, 0xFF, 0xFE, 0x80])
      let cases: [(String, Data, Int)] = [
        ("over the 1 MiB limit", oversized, 413),
        ("100,000 nested arrays", nested, 400),
        ("20,000 nested objects", nestedObject, 400),
        ("invalid UTF-8 in a string", invalidUTF8, 400),
        ("not JSON", Data("id=1&to=x".utf8), 400),
        ("truncated JSON", Data(#"{"id":"x","#.utf8), 400),
        ("an array where an object belongs", Data("[1,2,3]".utf8), 400),
        ("empty", Data(), 400),
      ]
      for (name, body, status) in cases {
        let reply = try await send(server, body)
        #expect(reply.status == status, "\(name): \(reply.status) \(reply.text.prefix(200))")
        #expect(reply.contentType == "application/problem+json", "\(name)")
      }
      let unknownCategory = try await send(
        server, Data(GatewayServer.message("cat", category: "promo").utf8))
      #expect(unknownCategory.status == 422)
      #expect(unknownCategory.problemFields == ["category"])
      // The one accepted message is still the only decision, and the log is intact.
      let audit = try await server.store.verifyAudit()
      #expect(audit.rows == 1)
      #expect(audit.intact)
      let again = try await send(server, Data(GatewayServer.message("after").utf8))
      #expect(again.status == 200)
    }
  }
}
