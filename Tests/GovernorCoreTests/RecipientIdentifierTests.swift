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

/// The recipient in a link's path or fragment: no cut can take it out, so it is reported, or
/// the message blocked where the policy says so.
@Suite("Recipient identifiers outside the query")
struct OutsideQueryTests {
  static let address = "ana.lopez@example.com"
  let recipient = RecipientIdentity(address: address, customerId: "cu-1001")

  func changes(_ html: String, limiter: TrackingLimiter) -> [Modification] {
    limiter.rewrite(html: html, text: nil, consent: false, recipient: recipient).modifications
  }

  @Test("in a path segment, base64 in a path, a digest in the fragment: reported, link kept")
  func reported() throws {
    let limiter = try defaultLimiter()
    let encoded = Data(#"{"email":"ana.lopez@example.com"}"#.utf8).base64EncodedString()
    let md5 = "2f9c6b3b0f1f4e7a8f2c5b9a0e1d3c4b"  // not the address's: must not be reported
    for (url, detail) in [
      ("https://brand.example/r/ana.lopez@example.com/welcome", "path"),
      ("https://brand.example/u/\(encoded)/x", "path"),
      ("https://brand.example/p#ana.lopez%40example.com", "fragment"),
      ("https://brand.example/p/\(md5)", nil),
      ("https://brand.example/unsubscribe/ana.lopez@example.com", nil),
    ] {
      let html = "<a href=\"\(url)\">x</a>"
      let found = changes(html, limiter: limiter)
      if let detail {
        #expect(
          found == [
            Modification(
              kind: "recipient_identifier_outside_query", url: url, part: "html", detail: detail)
          ], "\(url)")
      } else {
        #expect(found.isEmpty, "\(url): \(found)")
      }
    }
  }

  @Test("identifiers_outside_query: block holds the message with the reason; the dry-run agrees")
  func blocked() throws {
    let policy = try PolicyLoader.load(
      Data(
        (basePolicy + """
          tracking:
            without_consent: {identifiers_outside_query: block}

          """).utf8), file: "test.yaml"
    ).get()
    let engine = Engine(policy: policy)
    let html = #"<p><a href="https://brand.example/r/ana.lopez@example.com">Shop</a></p>"#
    let message = Message(
      id: "m1", customerId: "cu-1001", to: Self.address, from: "news@shop.example",
      subject: "Hi", html: html, category: "marketing")
    var state = customer("cu-1001")
    state.email = Self.address
    let now = time("2026-11-18T10:00:00Z")
    let decision = engine.evaluate(message, for: state, at: now)
    #expect(decision.outcome == .blocked)
    #expect(decision.codes == ["recipient_in_link_path"])
    #expect(decision.reasons.first?.rule == "tracking.identifiers_outside_query")
    #expect(decision.modifications.map(\.kind) == ["recipient_identifier_outside_query"])
    let prepared = engine.prepare(html: html, text: nil)
    #expect(engine.evaluate(message, for: state, at: now, prepared: prepared) == decision)
    // Another recipient of the same campaign is not in the link: forwarded.
    var other = message
    other.to = "jo@example.com"
    var otherState = customer("cu-2002")
    otherState.email = "jo@example.com"
    other.customerId = "cu-2002"
    #expect(
      engine.evaluate(other, for: otherState, at: now, prepared: prepared).outcome == .forwarded)
  }
}
