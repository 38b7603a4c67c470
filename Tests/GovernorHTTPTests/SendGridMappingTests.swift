import Foundation
import GovernorCore
import GovernorService
import Testing

@testable import GovernorHTTP

/// How a SendGrid v3 body becomes the governor's messages, with values: no server.
@Suite("SendGrid mapping")
struct SendGridMappingTests {
  let policy: Policy
  let now = Date(timeIntervalSince1970: 1_800_000_000)

  init() throws {
    policy = try Self.loadPolicy()
  }

  static func loadPolicy() throws -> Policy {
    try PolicyLoader.load(
      Data(
        """
        name: sg
        consent:
          purposes: {marketing: {}}
        categories:
          transactional: {consent: [], aliases: [Receipts]}
          marketing: {consent: [marketing], aliases: ["asm:4242", Promotions]}

        """.utf8), file: "sg.yaml"
    ).get()
  }

  func messages(_ json: String) throws(CompatibleError) -> [(
    AddressedMessage, SendGridMessages.Origin
  )] {
    let mail = try SendGridMail.decode(Data(json.utf8))
    return try SendGridMessages(mail: mail, requestId: "req", policy: policy, now: now).messages()
  }

  func refusal(_ json: String) -> CompatibleError.Item? {
    do throws(CompatibleError) {
      _ = try messages(json)
      return nil
    } catch {
      return error.errors.first
    }
  }

  @Test("to, cc and bcc each a message; per-personalization subject and substitutions")
  func fanOut() throws {
    let out = try messages(
      """
      {"personalizations": [
         {"to": [{"email": "a@example.com"}], "cc": [{"email": "b@example.com"}],
          "substitutions": {"-name-": "Ana", "-name-full-": "Ana Diaz"}},
         {"to": [{"email": "c@example.com"}], "subject": "Own -name-", "custom_args": {"customer_id": "c-3"}}],
       "from": {"email": "news@shop.example", "name": "Shop, \\"The\\" Best"},
       "reply_to_list": [{"email": "help@shop.example"}, {"email": "desk@shop.example", "name": "Desk"}],
       "subject": "Hi -name-", "content": [{"type": "text/plain", "value": "Dear -name-full-"}],
       "categories": ["Weekly", "Promotions"], "batch_id": "b-1", "headers": {"X-Extra": "-name-"}}
      """)
    #expect(out.map(\.0.message.to) == ["a@example.com", "b@example.com", "c@example.com"])
    #expect(out.map(\.1.personalization) == [0, 0, 1])
    let first = out[0].0.message
    #expect(first.subject == "Hi Ana")
    #expect(first.text == "Dear Ana Diaz", "the longer key first")
    #expect(first.headers["X-Extra"] == "Ana")
    #expect(first.headers["Reply-To"] == "help@shop.example, \"Desk\" <desk@shop.example>")
    #expect(first.from == #""Shop, \"The\" Best" <news@shop.example>"#)
    #expect(first.category == "marketing", "the first category the policy knows")
    #expect(first.campaignId == "b-1")
    #expect(first.id == "sg:req/a@example.com")
    #expect(!out[0].0.customerGiven)
    #expect(out[2].0.message.subject == "Own -name-")
    #expect(out[2].0.customerGiven && out[2].0.message.customerId == "c-3")
  }

  @Test("substitutions: one pass, the longest key first; a value naming a key is left as written")
  func substitutionIsOnePass() {
    let substitute = SendGridMessages.substitution([
      "-name-": "Ana", "-name-full-": "Ana Pérez", "-greeting-": "Hola -name-", "é": "e",
    ])
    #expect(
      substitute("-greeting-, -name-full- (-name-) café -nope-")
        == "Hola -name-, Ana Pérez (Ana) cafe -nope-")
    // Sixteen keys whose values name all sixteen: replaced key after key, the text doubled
    // per key (2^15 copies); one pass keeps it linear.
    let keys = (0..<16).map { "-k\($0)-" }
    let every = keys.joined()
    let expanded = SendGridMessages.substitution(
      Dictionary(uniqueKeysWithValues: keys.map { ($0, every) }))(every)
    #expect(expanded.utf8.count == 16 * every.utf8.count)
  }

  @Test("the category: custom_args first, then the unsubscribe group, then categories")
  func categoryOrder() throws {
    func category(_ extra: String) throws -> String? {
      try messages(
        #"{"personalizations": [{"to": [{"email": "a@example.com"}]}], "from": {"email": "n@s.example"}, "content": [{"type": "text/html", "value": "<p>x</p>"}], "#
          + extra + "}"
      ).first?.0.message.category
    }
    #expect(
      try category(#""custom_args": {"category": "Receipts"}, "asm": {"group_id": 4242}"#)
        == "transactional")
    #expect(try category(#""asm": {"group_id": 4242}, "categories": ["Receipts"]"#) == "marketing")
    #expect(try category(#""asm": {"group_id": 1}, "categories": ["Receipts"]"#) == "transactional")
    let unknown = refusal(
      #"{"personalizations": [{"to": [{"email": "a@example.com"}]}], "from": {"email": "n@s.example"}, "content": [{"type": "text/plain", "value": "x"}], "custom_args": {"category": "promo"}}"#
    )
    #expect(unknown?.field == "custom_args.category")
    #expect(unknown?.message.contains("'promo'") == true)
  }

  @Test("what is refused whole, each naming its field as SendGrid does")
  func refusals() {
    let base = #""from": {"email": "n@s.example"}, "custom_args": {"category": "marketing"}"#
    let text = #""content": [{"type": "text/plain", "value": "x"}]"#
    #expect(
      refusal(#"{"personalizations": [], "# + base + ", " + text + "}")?.field == "personalizations"
    )
    #expect(
      refusal(
        #"{"personalizations": [{"to": [{"email": "a@example.com"}], "bcc": [{"email": "A@example.com"}]}], "#
          + base + ", " + text + "}")?.field == "personalizations.0")
    #expect(
      refusal(
        #"{"personalizations": [{"to": [{"email": "a@example.com"}], "send_at": 1900000000}], "#
          + base + ", " + text + "}")?.field == "personalizations.0.send_at")
    #expect(
      refusal(
        #"{"personalizations": [{"to": [{"email": "a@example.com"}]}], "send_at": 1900000000, "#
          + base + ", " + text + "}")?.field == "send_at")
    #expect(
      refusal(
        #"{"personalizations": [{"to": [{"email": "a@example.com"}]}], "# + base
          + #", "content": [{"type": "text/x-amp-html", "value": "<p>x</p>"}]}"#)?.field
        == "content.0.type")
    #expect(
      refusal(#"{"personalizations": [{"to": [{"email": "a@example.com"}]}], "# + base + "}")?
        .field == "content")
    #expect(
      refusal(#"{"personalizations": [{"to": [{}]}], "# + base + ", " + text + "}")?.field
        == "personalizations.0.to.0.email")
    #expect(
      refusal(#"{"personalizations": [{"to": [{"email": 5}]}], "# + base + ", " + text + "}")?
        .field == "personalizations.0.to.0.email")
    let many = (0..<1_001).map { #"{"email": "r\#($0)@example.com"}"# }.joined(separator: ",")
    #expect(
      refusal(#"{"personalizations": [{"to": [\#(many)]}], "# + base + ", " + text + "}")?
        .message.contains("1001") == true)
  }

  @Test("template_id: each personalization's data with its keys as written; refused beside a body")
  func template() throws {
    let body = #"""
      {"personalizations": [
         {"to": [{"email": "a@example.com"}], "dynamic_template_data": {"first_name": "Ana", "order_id": 7}},
         {"to": [{"email": "b@example.com"}]}],
       "from": {"email": "n@s.example"}, "template_id": "d-123", "categories": ["Promotions"]}
      """#
    var mapping = SendGridMessages(
      mail: try SendGridMail.decode(Data(body.utf8)), requestId: "req", policy: policy, now: now)
    mapping.templateData = SendGridMessages.templateData(Data(body.utf8))
    let out = try mapping.messages().map(\.0.message)
    #expect(out.map(\.template?.id) == ["d-123", "d-123"])
    #expect(out[0].template?.data == #"{"first_name":"Ana","order_id":7}"#)
    #expect(out[1].template?.data == nil)
    #expect(out.allSatisfy { $0.html == nil && $0.text == nil && $0.subject.isEmpty })
    let base =
      #""from": {"email": "n@s.example"}, "template_id": "d-1", "categories": ["Promotions"]"#
    let to = #""personalizations": [{"to": [{"email": "a@example.com"}]}]"#
    #expect(
      refusal(
        "{" + to + ", " + base + #", "content": [{"type": "text/plain", "value": "x"}]}"#)?.field
        == "content")
    #expect(
      refusal(
        #"{"personalizations": [{"to": [{"email": "a@example.com"}], "substitutions": {"-a-": "b"}}], "#
          + base + "}")?.field == "personalizations.0.substitutions")
  }

  @Test("send_at: a later time holds the message until then; now or past is sending now")
  func schedule() throws {
    let later = Int(now.timeIntervalSince1970) + 7_200
    let out = try messages(
      #"""
      {"personalizations": [{"to": [{"email": "a@example.com"}], "send_at": \#(later)},
                            {"to": [{"email": "b@example.com"}]}],
       "send_at": \#(Int(now.timeIntervalSince1970) - 10),
       "from": {"email": "n@s.example"}, "custom_args": {"category": "marketing"},
       "content": [{"type": "text/plain", "value": "x"}]}
      """#
    ).map(\.0.message)
    #expect(out[0].sendAt == Date(timeIntervalSince1970: TimeInterval(later)))
    #expect(out[1].sendAt == nil)
  }

  @Test("tracking_settings: what the client turned off travels with each message")
  func trackingSettings() throws {
    let base =
      #"{"personalizations": [{"to": [{"email": "a@example.com"}]}], "from": {"email": "n@s.example"}, "content": [{"type": "text/plain", "value": "x"}], "custom_args": {"category": "marketing"}"#
    let off = try messages(
      base
        + #", "tracking_settings": {"click_tracking": {"enable": false}, "open_tracking": {"enable": true}}}"#
    )
    #expect(
      off.first?.0.message.senderTracking
        == SenderTracking(opens: true, clicks: false, linkParameters: true))
    let on = try messages(
      base + #", "tracking_settings": {"open_tracking": {"enable": true}}}"#)
    #expect(on.first?.0.message.senderTracking == nil, "nothing turned off: nothing to keep")
  }

  @Test("the request id is the key's and the body's: the same for a retry, not for another key")
  func requestId() {
    let body = Data(#"{"a":1}"#.utf8)
    let id = SendGridMessages.requestId(keyId: "k1", body: body)
    #expect(id.count == 22 && !id.contains("+") && !id.contains("/"))
    #expect(id == SendGridMessages.requestId(keyId: "k1", body: body))
    #expect(id != SendGridMessages.requestId(keyId: "k2", body: body))
  }
}
