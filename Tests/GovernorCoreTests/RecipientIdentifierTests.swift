import Crypto
import Foundation
import GovernorCore
import Testing

@Suite("Tracking: recipient identifiers in URLs")
struct RecipientIdentifierTests {
  let limiter: TrackingLimiter
  init() throws { limiter = try defaultLimiter() }

  static let address = "Ana.Lopez@Example.com"
  static let lowered = address.lowercased()
  static let recipient = RecipientIdentity(address: "Ana Lopez <\(address)>", customerId: "cu-1001")

  static func hex(_ digest: some Sequence<UInt8>) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
  }

  static let md5 = hex(Insecure.MD5.hash(data: Data(lowered.utf8)))
  static let sha1 = hex(Insecure.SHA1.hash(data: Data(lowered.utf8)))
  static let sha256 = hex(SHA256.hash(data: Data(lowered.utf8)))
  static let base64 = Data(lowered.utf8).base64EncodedString()
  static let base64JSON = Data(#"{"e":"\#(lowered)","list":7}"#.utf8).base64EncodedString()
    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    .replacingOccurrences(of: "=", with: "")

  /// Each form a campaign tool writes the recipient in, as a parameter value.
  static let carried: [String] = [
    lowered, address, "ana.lopez%40example.com", "ana.lopez%2540example.com",
    "ANA.LOPEZ%40EXAMPLE.COM", base64, base64.replacingOccurrences(of: "=", with: ""),
    base64JSON, md5, md5.uppercased(), sha1, sha256, sha256.uppercased(), "cu-1001",
    "list-7:ana.lopez@example.com",
  ]

  /// Values that only look like the recipient's.
  static let notCarried: [String] = [
    "cu-1001-gift", "1001", "jo%40example.com", "ana.lopez", "example.com",
    hex(Insecure.MD5.hash(data: Data("jo@example.com".utf8))), String(md5.dropLast()),
    Data("jo@example.com".utf8).base64EncodedString(), "42",
  ]

  func link(_ url: String, consent: Bool = false) -> (String, [Modification]) {
    let result = limiter.rewrite(
      html: #"<a href="\#(url)">x</a>"#, text: nil, consent: consent,
      recipient: Self.recipient)
    let html = result.html ?? #"<a href="\#(url)">x</a>"#
    return (String(html.dropFirst(9).prefix { $0 != "\"" }), result.modifications)
  }

  @Test(
    "without consent the parameter carrying the recipient goes, the rest of the URL stays",
    arguments: carried)
  func removed(value: String) {
    let (url, changes) = link("https://shop.example/p?a=1&who=\(value)&b=2#top")
    #expect(url == "https://shop.example/p?a=1&b=2#top")
    #expect(changes.map(\.kind) == ["recipient_identifier_removed"])
    #expect(changes.first?.detail == "who")
    #expect(changes.first?.part == "html")
  }

  @Test("look-alikes are kept and nothing is reported", arguments: notCarried)
  func kept(value: String) {
    let original = "https://shop.example/p?who=\(value)"
    let (url, changes) = link(original)
    #expect(url == original)
    #expect(changes.isEmpty)
  }

  @Test("with consent the identifier is reported, the link unchanged")
  func reportedWithConsent() {
    let original = "https://shop.example/p?e=\(Self.md5)&utm_source=mail"
    let (url, changes) = link(original, consent: true)
    #expect(url == original)
    #expect(
      changes == [
        Modification(
          kind: "recipient_identifier_found", url: original, part: "html", detail: "e")
      ])
  }

  @Test("an image keeps its place and loses the parameter; a text-part link too")
  func imagesAndText() {
    let result = limiter.rewrite(
      html: #"<img src="https://cdn.shop.example/b.png?v=2&amp;u=\#(Self.sha1)" width="600">"#,
      text: "See https://shop.example/x?u=\(Self.base64) now", consent: false,
      recipient: Self.recipient)
    #expect(result.html == #"<img src="https://cdn.shop.example/b.png?v=2" width="600">"#)
    #expect(result.text == "See https://shop.example/x now")
    #expect(result.modifications.map(\.part) == ["html", "text"])
  }

  @Test("a short customer id is not looked for: it would match page numbers")
  func shortCustomerId() {
    let recipient = RecipientIdentity(address: "jo@example.com", customerId: "42")
    let result = limiter.rewrite(
      html: #"<a href="https://shop.example/list?page=42">x</a>"#, text: nil, consent: false,
      recipient: recipient)
    #expect(result.html == nil)
    #expect(result.modifications.isEmpty)
  }

  @Test("the engine looks for the message's recipient, and a dry-run's prepared parts agree")
  func engineAndPreparedParts() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let html = #"<p><a href="https://shop.example/?e=ana.lopez%40example.com">Shop</a></p>"#
    let message = Message(
      id: "m1", customerId: "cu-1001", to: Self.address, from: "news@shop.example",
      subject: "Hi", html: html, category: "marketing")
    let granted = time("2024-01-01T00:00:00Z")
    let marketingOnly = ConsentEvent(
      purpose: "marketing", status: .granted, kind: "express", at: granted, confirmedAt: granted)
    let state = customer("cu-1001", consents: [marketingOnly])
    let prepared = engine.prepare(html: html, text: nil)
    let now = time("2026-11-18T10:00:00Z")
    for (to, customerId) in [(Self.address, "cu-1001"), ("jo@example.com", "cu-2002")] {
      var addressed = message
      addressed.to = to
      addressed.customerId = customerId
      // The customer known by the address the message goes to.
      var state = state
      state.email = to
      let alone = engine.evaluate(addressed, for: state, at: now)
      #expect(alone.outcome == .forwarded)
      #expect(engine.evaluate(addressed, for: state, at: now, prepared: prepared) == alone)
      let removed = alone.modifications.contains { $0.kind == "recipient_identifier_removed" }
      #expect(removed == (to == Self.address))
    }
  }
}
