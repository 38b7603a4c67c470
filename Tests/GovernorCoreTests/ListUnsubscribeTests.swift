import Foundation
import GovernorCore
import Testing

/// The engine's header stage: which messages get the governor's RFC 2369 / RFC 8058 headers.
@Suite("List-Unsubscribe")
struct ListUnsubscribeTests {
  static let yaml = """
    name: headers
    consent:
      purposes: {marketing: {}}
    categories:
      transactional: {consent: [], caps: false, quiet_hours: false}
      marketing: {consent: [marketing]}
    headers:
      list_unsubscribe:
        categories: [marketing]
        url: https://mail.example.com/u/{token}
        mailto: unsubscribe@example.com
    """

  static let now = time("2026-11-20T12:00:00Z")

  static func consenting() -> CustomerState {
    CustomerState(
      customerId: "c1",
      consents: [ConsentEvent(purpose: "marketing", status: .granted, at: now - 86_400)])
  }

  static func message(_ category: String = "marketing", headers: [String: String] = [:])
    -> Message
  {
    Message(
      id: "m", customerId: "c1", to: "c1@example.com", from: "news@shop.example", subject: "Hi",
      text: "Hi", headers: headers, category: category)
  }

  /// The header changes (the tracking stage's are tested elsewhere).
  func kinds(_ message: Message, _ state: CustomerState = consenting()) throws -> [String] {
    try Engine(policy: policy(Self.yaml)).evaluate(message, for: state, at: Self.now)
      .modifications.map(\.kind).filter { $0.hasPrefix("list_unsubscribe") }
  }

  @Test("a forwarded message in a covered category gets them; others and blocked ones do not")
  func coverage() throws {
    #expect(try kinds(Self.message()) == ["list_unsubscribe_added"])
    #expect(try kinds(Self.message("transactional")).isEmpty)
    #expect(try kinds(Self.message(), CustomerState(customerId: "c1")).isEmpty)
  }

  @Test(
    "the campaign tool's valid headers are kept, invalid ones replaced",
    arguments: [
      ("<https://esp.example/u/1>, <mailto:u@esp.example>", "List-Unsubscribe=One-Click", nil),
      ("<https://esp.example/u/1>", nil, "list_unsubscribe_replaced"),
      ("<http://esp.example/u/1>", "List-Unsubscribe=One-Click", "list_unsubscribe_replaced"),
      ("https://esp.example/u/1", "List-Unsubscribe=One-Click", "list_unsubscribe_replaced"),
      ("<mailto:u@esp.example>", "List-Unsubscribe=One-Click", "list_unsubscribe_replaced"),
    ] as [(String, String?, String?)])
  func existing(value: String, post: String?, expected: String?) throws {
    var headers = ["list-unsubscribe": value]
    headers["List-Unsubscribe-Post"] = post
    #expect(try kinds(Self.message(headers: headers)) == (expected.map { [$0] } ?? []))
  }

  @Test("the headers carry the token in the link and in the mailto's subject, and one-click")
  func written() throws {
    let list = ListUnsubscribe(policy: try policy(Self.yaml).headers.listUnsubscribe!)
    let headers = list.headers(token: "T0K.EN")
    #expect(headers.map(\.name) == ["List-Unsubscribe", "List-Unsubscribe-Post"])
    #expect(
      headers.map(\.value) == [
        "<https://mail.example.com/u/T0K.EN>, "
          + "<mailto:unsubscribe@example.com?subject=unsubscribe%20T0K.EN>",
        "List-Unsubscribe=One-Click",
      ])
  }
}
