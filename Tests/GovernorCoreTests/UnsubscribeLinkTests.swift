import Foundation
import Testing

@testable import GovernorCore

@Suite("Tracking: unsubscribe and preference links are never touched")
struct UnsubscribeLinkTests {
  let limiter: TrackingLimiter
  init() throws { limiter = try defaultLimiter() }

  static let recipient = RecipientIdentity(address: "ana@example.com", customerId: "cu-1001")

  /// A known redirector (Mandrill) wrapping `destination`: unwrapped anywhere else.
  static func wrapped(_ destination: String) -> String {
    let inner = #"{"url":"\#(destination)","id":"x"}"#
    let escaped = inner.replacingOccurrences(of: "\"", with: "\\\"")
    let outer = #"{"s":"a","v":1,"p":"\#(escaped)"}"#
    let token = Data(outer.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
    return "https://mandrillapp.com/track/click/1/shop.example?p=\(token)"
  }

  func html(_ html: String, consent: Bool = false) -> (String, [Modification]) {
    let result = limiter.rewrite(
      html: html, text: nil, consent: consent, recipient: Self.recipient)
    return (result.html ?? html, result.modifications)
  }

  @Test("every word is found in any case inside other text, and a word cut short is not")
  func everyWordFound() {
    #expect(UnsubscribeLinks.keys.count <= UnsubscribeLinks.keyCapacity)
    func says(_ text: String) -> Bool {
      Array(text.utf8).withUnsafeBufferPointer(UnsubscribeLinks.saysUnsubscribe)
    }
    for (word, _) in UnsubscribeLinks.keyedWords {
      #expect(says("https://x.example/a?b=\(word)&c"), "\(word)")
      #expect(says("Click to \(word.uppercased())."), "\(word)")
      #expect(!says("https://x.example/\(word.dropLast())_x"), "\(word)")
    }
    #expect(!says("https://shop.example/preview/express/insights/optics/about"))
    #expect(says("https://shop.example/compte/d%C3%A9sinscription?u=1"))
    #expect(says("https://shop.example/d%c3%a9sabonnement"))
  }

  @Test(
    "a link whose text says so keeps its redirect, its tracking and the recipient",
    arguments: [
      "Unsubscribe", "UNSUBSCRIBE", "Manage <b>email preferences</b>", "Opt out",
      "Stop receiving these emails", "Abmelden", "Se désabonner", "\n  unsubscribe\n",
      "Un<span>sub</span>scribe", "<img src=\"x.png\" alt=\"\"> Opt&nbsp;out? No: opt-out",
      "optout", "opt_out", "I no longer wish to receive these", "No longer receive offers",
      "Désinscrire", "desinscription", "Se désabonner", "desabonnement", "Darse de baja",
      "Afmelden", "Uitschrijven", "Cancelar suscripción", "Disiscriviti",
    ])
  func byText(text: String) {
    for url in [
      Self.wrapped("https://shop.example/leave?u=ana%40example.com"),
      "https://shop.example/account?utm_source=mail&e=ana%40example.com",
    ] {
      let anchor = #"<a href="\#(url.replacingOccurrences(of: "&", with: "&amp;"))">\#(text)</a>"#
      let (output, changes) = html(anchor)
      #expect(output == anchor)
      #expect(changes.isEmpty)
    }
  }

  @Test(
    "a link whose URL says so, or that is the governor's own, is kept whatever its text",
    arguments: [
      "https://shop.example/unsubscribe?id=7&utm_source=mail",
      "https://shop.example/email/opt-out?utm_medium=email",
      "https://shop.example/u/OptOut.aspx?utm_medium=email",
      "https://shop.example/preference-center?e=ana%40example.com",
      // The default policy's List-Unsubscribe URL is https://mail.example.com/u/{token}.
      "https://mail.example.com/u/t0ken?utm_source=mail",
      Self.wrapped("https://shop.example/unsubscribe?x=1"),
    ])
  func byURL(url: String) {
    let anchor = #"<a href="\#(url.replacingOccurrences(of: "&", with: "&amp;"))">Click</a>"#
    let (output, changes) = html(anchor)
    #expect(output == anchor)
    #expect(changes.isEmpty)
  }

  @Test("only the link around the words is kept: the links before and after are cleaned")
  func scoped() {
    let input =
      #"<a href=https://shop.example/a?utm_source=m>A</a> to unsubscribe: "#
      + #"<a href="https://shop.example/b?utm_source=m"><img src="x.png" alt="">Unsubscribe</a>"#
      + #"<a href="https://shop.example/c?utm_source=m">C <a href="https://shop.example/d?utm_source=m">opt out</a>"#
      + #"<area href="https://shop.example/e?utm_source=m"> Unsubscribe"#
    let (output, changes) = html(input)
    #expect(
      output
        == #"<a href="https://shop.example/a">A</a> to unsubscribe: "#
        + #"<a href="https://shop.example/b?utm_source=m"><img src="x.png" alt="">Unsubscribe</a>"#
        + #"<a href="https://shop.example/c">C <a href="https://shop.example/d?utm_source=m">opt out</a>"#
        + #"<area href="https://shop.example/e"> Unsubscribe"#)
    #expect(
      changes.compactMap(\.replacement) == [
        "https://shop.example/a", "https://shop.example/c", "https://shop.example/e",
      ])
  }

  @Test("fed in pieces of any size, the rewriter keeps the same links")
  func streamed() {
    let input =
      #"<p><a href="https://shop.example/a?utm_source=m">Shop</a></p>"#
      + #"<p><a href="https://shop.example/b?utm_source=m&amp;e=ana%40example.com">Update "#
      + #"your <i>prefer</i>ences</a> or <a href='https://shop.example/c?utm_source=m'>read</a>"#
    let whole = limiter.rewrite(
      html: input, text: nil, consent: false, recipient: Self.recipient)
    #expect(whole.html?.contains("b?utm_source=m&amp;e=ana%40example.com") == true)
    #expect(whole.modifications.count == 2)
    let bytes = Array(input.utf8)
    for size in [1, 2, 3, 7, 16, 40] {
      var stream = limiter.htmlStream(consent: false, recipient: Self.recipient)
      var output: [UInt8] = []
      var offset = 0
      while offset < bytes.count {
        output += stream.feed(bytes[offset..<min(offset + size, bytes.count)])
        offset += size
      }
      output += stream.finish()
      #expect(String(decoding: output, as: UTF8.self) == whole.html, "pieces of \(size)")
      #expect(stream.modifications == whole.modifications, "pieces of \(size)")
    }
  }

  @Test("an anchor left open does not hold the rest of a streamed mail back")
  func unclosedAnchor() {
    var stream = limiter.htmlStream(consent: false)
    var early = stream.feed(Array(#"<a href="https://shop.example/?utm_source=m">"#.utf8))
    let piece = Array(String(repeating: "text ", count: 200).utf8)
    for _ in 0..<100 { early += stream.feed(piece) }
    #expect(early.count > 80_000)
    let output = early + stream.finish()
    #expect(
      String(decoding: output.prefix(32), as: UTF8.self) == #"<a href="https://shop.example/">"#)
    #expect(output.count == 32 + 100 * piece.count)
  }

  @Test("in a text part, the words before a link on its line, or the line before, keep it")
  func textPart() {
    let text = """
      Shop: https://shop.example/s?utm_source=m
      Unsubscribe: https://shop.example/x?utm_source=m&e=ana%40example.com
      To stop receiving these emails, visit:
      https://shop.example/settings?utm_source=m
      https://shop.example/t?utm_source=m
      Update your email preferences <https://shop.example/p?utm_source=m>
      """
    let result = limiter.rewrite(
      html: nil, text: text, consent: false, recipient: Self.recipient)
    #expect(
      result.text == """
        Shop: https://shop.example/s
        Unsubscribe: https://shop.example/x?utm_source=m&e=ana%40example.com
        To stop receiving these emails, visit:
        https://shop.example/settings?utm_source=m
        https://shop.example/t
        Update your email preferences <https://shop.example/p?utm_source=m>
        """)
  }
}
