import Foundation
import GovernorCore
import Testing

@testable import GovernorHTTP

/// How a Mailgun form becomes the governor's messages, with values: no server.
@Suite("Mailgun mapping")
struct MailgunMappingTests {
  let now = Date(timeIntervalSince1970: 1_800_000_000)

  func messages(_ form: String) throws -> [Message] {
    try MailgunMessages(
      form: MailgunForm.urlEncoded(form), domain: "mg.example", keyId: "k",
      policy: try SendGridMappingTests.loadPolicy(), now: now
    ).messages().map(\.message)
  }

  static let base = "from=n%40s.example&to=a%40example.com&text=Hi&o%3Atag=Promotions"

  @Test("o:tracking no: what the client turned off travels with each message")
  func trackingOff() throws {
    #expect(try messages(Self.base).first?.senderTracking == nil)
    #expect(try messages(Self.base + "&o%3Atracking=yes").first?.senderTracking == nil)
    #expect(
      try messages(Self.base + "&o%3Atracking-clicks=no").first?.senderTracking
        == SenderTracking(opens: true, clicks: false, linkParameters: true))
    #expect(
      try messages(Self.base + "&o%3Atracking=false").first?.senderTracking
        == SenderTracking(opens: false, clicks: false, linkParameters: true))
  }

  @Test("recipient variables are substituted once: a value naming another is left as written")
  func substitutionIsOnePass() {
    var values = ["first": "Ana", "greeting": "Hi %recipient.first%"]
    let substitute = MailgunMessages.substitution(values)
    #expect(
      substitute("%recipient.greeting%, %recipient.first%! %recipient.none% %recipient.")
        == "Hi %recipient.first%, Ana! %recipient.none% %recipient.")
    // Sixteen variables each naming all sixteen, in a text naming them all: replaced one
    // after another, whatever the order, the text doubled per variable (2^15 copies, 8 MB;
    // 26 of them in a 24 KB form stopped the gateway, out of memory). One pass keeps it 4 KB.
    let names = (0..<16).map { "v\($0)" }
    let every = names.map { "%recipient.\($0)%" }.joined()
    let expanded = MailgunMessages.substitution(
      Dictionary(uniqueKeysWithValues: names.map { ($0, every) }))(every)
    #expect(expanded.utf8.count == 16 * every.utf8.count)
  }

  @Test("o:deliverytime later than now holds the message until then")
  func deliveryTime() throws {
    let later = try messages(
      Self.base + "&o%3Adeliverytime=" + "Fri, 15 Jan 2027 07:00:00 +0000"
        .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
    #expect(later.first?.sendAt == nil, "past: now")
    let date = MailgunMessages.rfc2822.string(from: now.addingTimeInterval(3_600))
    let held = try messages(
      Self.base + "&o%3Adeliverytime="
        + date.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
    #expect(held.first?.sendAt == now.addingTimeInterval(3_600))
  }
}
