import Foundation
import GovernorCore
import Testing

/// The default policy's tracking stage, with the shipped tracker lists.
func defaultLimiter() throws -> TrackingLimiter {
  TrackingLimiter(policy: try shippedPolicy("default"))
}

extension TrackingLimiter {
  /// The HTML as it leaves for a recipient without tracking consent (unchanged: the input).
  func html(_ html: String, consent: Bool = false) -> (String, [Modification]) {
    let result = rewrite(html: html, text: nil, consent: consent)
    return (result.html ?? html, result.modifications)
  }
}

@Suite("HTML rewriter: the tokenizer's rules")
struct HTMLRewriterTests {
  let limiter: TrackingLimiter
  init() throws { limiter = try defaultLimiter() }

  static let pixel = #"<img src="https://t.shop.example/o.gif?id=9" width="1" height="1" alt="">"#

  @Test("a 1×1 pixel goes; the logo beside it and every other byte stay")
  func pixelRemovedRestUntouched() {
    let html =
      "<p>Hi\u{A0}Ana — ünïcode</p>\(Self.pixel)<IMG SRC=https://cdn.shop.example/logo.png WIDTH=120 height=40>"
    let (output, changes) = limiter.html(html)
    #expect(
      output
        == "<p>Hi\u{A0}Ana — ünïcode</p><IMG SRC=https://cdn.shop.example/logo.png WIDTH=120 height=40>"
    )
    #expect(
      changes == [
        Modification(
          kind: "open_pixel_removed", url: "https://t.shop.example/o.gif?id=9", part: "html")
      ])
  }

  @Test("a > inside a quoted value does not end the tag; unquoted and single-quoted values read")
  func attributeQuoting() {
    let html =
      #"<img alt="a > b" src='https://t.example/p.gif' style="width:1px;height:1px"><b>kept</b>"#
    #expect(limiter.html(html).0 == "<b>kept</b>")
    let unquoted = "<img src=https://t.example/p.gif width=1 height=1/><i>x</i>"
    #expect(limiter.html(unquoted).0 == "<i>x</i>")
  }

  @Test("markup inside comments, scripts and titles is text, not tags")
  func notTags() {
    let html =
      "<!-- \(Self.pixel) --><script>var s = '\(Self.pixel)';</script><title>\(Self.pixel)</title>"
      + "<textarea>\(Self.pixel)</textarea>"
    let (output, changes) = limiter.html(html)
    #expect(output == html)
    #expect(changes.isEmpty)
  }

  @Test("Outlook's conditional comments are rewritten: Outlook renders them")
  func msoConditionals() {
    let html = """
      <!--[if mso]><v:rect style="width:600px" fill="true"><v:fill type="frame" \
      src="https://www.google-analytics.com/collect?v=1&amp;t=event" color="#fff"/>\
      <img src="https://t.shop.example/o.gif" width="1" height="1"></v:rect><![endif]-->\
      <!--[if !mso]><!-- --><img src="https://cdn.shop.example/hero.jpg" width="600"><!--<![endif]-->
      """
    let (output, changes) = limiter.html(html)
    #expect(
      output == """
        <!--[if mso]><v:rect style="width:600px" fill="true"><v:fill type="frame" color="#fff"/>\
        </v:rect><![endif]--><!--[if !mso]><!-- --><img src="https://cdn.shop.example/hero.jpg" \
        width="600"><!--<![endif]-->
        """)
    #expect(changes.map(\.kind) == ["tracker_resource_removed", "open_pixel_removed"])
    #expect(changes.first?.url == "https://www.google-analytics.com/collect?v=1&t=event")
  }

  @Test("comment endings: --> , --!> and the abrupt <!--> all end a comment")
  func commentEndings() {
    for opening in ["<!---->", "<!-- x --!>", "<!-->", "<!--->", "<!-- a -- b --->"] {
      let html = opening + Self.pixel
      #expect(limiter.html(html).0 == opening, "\(opening)")
    }
  }

  @Test("character references: &amp; decoded for matching and kept in the output's style")
  func characterReferences() {
    let html =
      #"<a href="https://shop.example/p?id=1&amp;utm_source=mail&amp;utm_medium=email&amp;size=m">x</a>"#
    let (output, changes) = limiter.html(html)
    #expect(output == #"<a href="https://shop.example/p?id=1&amp;size=m">x</a>"#)
    #expect(
      changes == [
        Modification(
          kind: "tracking_parameters_removed",
          url: "https://shop.example/p?id=1&utm_source=mail&utm_medium=email&size=m",
          replacement: "https://shop.example/p?id=1&size=m", part: "html")
      ])
    // A bare & stays bare; `&copy=2` is not a reference inside an attribute (§13.2.5.73).
    let bare = #"<a href='https://shop.example/p?a=1&copy=2&fbclid=XYZ'>x</a>"#
    #expect(limiter.html(bare).0 == #"<a href='https://shop.example/p?a=1&copy=2'>x</a>"#)
    // Numeric references are decoded: &#117;tm_source is utm_source.
    let numeric = #"<a href="https://shop.example/?&#117;tm_source=x">x</a>"#
    #expect(limiter.html(numeric).0 == #"<a href="https://shop.example/">x</a>"#)
  }

  @Test("style elements and attributes: tracker url(…) becomes none; other CSS is untouched")
  func cssURLs() {
    let html = """
      <style>.a{background:url("https://cdn.shop.example/bg.png")} \
      .b{background-image:url(https://ad.doubleclick.net/px.gif)}</style>\
      <td style="background-image:url(&quot;https://pixel.quantserve.com/p.gif&quot;);color:red">
      """
    let (output, changes) = limiter.html(html)
    #expect(
      output == """
        <style>.a{background:url("https://cdn.shop.example/bg.png")} \
        .b{background-image:none}</style><td style="background-image:none;color:red">
        """)
    #expect(changes.map(\.kind) == ["tracker_resource_removed", "tracker_resource_removed"])
  }

  @Test("a hidden mobile hero with a real width is kept; a hidden image without size is a pixel")
  func hiddenImages() {
    let hero =
      #"<img class="mobile" src="https://cdn.shop.example/hero-m.jpg" width="320" style="display:none;max-height:0">"#
    #expect(limiter.html(hero).0 == hero)
    let hidden = #"<img src="https://shop.example/o/77.gif" style="display:none !important">"#
    #expect(limiter.html(hidden).0 == "")
    let divider = #"<img src="https://cdn.shop.example/line.png" width="600" height="1">"#
    #expect(limiter.html(divider).0 == divider)
  }

  @Test("unterminated tags, attributes and comments are copied as they are")
  func unterminated() {
    for tail in [
      "<img src=\"https://t.example/p.gif\" width=1 height=1", "<!-- open", "<a href='x",
      "<style>.x{}", "</", "<", "<!", "<!-", "<?php", "</ x",
    ] {
      let html = "<b>a</b>" + tail
      #expect(limiter.html(html).0 == html, "\(tail)")
    }
  }

  @Test("bytes that are not UTF-8 pass through untouched")
  func invalidUTF8() throws {
    let bytes: [UInt8] =
      Array("<p>".utf8) + [0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80] + Array("</p>".utf8)
      + Array(Self.pixel.utf8) + [0xF8]
    let result = bytes.withUnsafeBufferPointer { limiter.rewriteHTML($0, consent: false) }
    #expect(
      result.output == Array("<p>".utf8) + [0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80] + Array("</p>".utf8)
        + [0xF8])
    #expect(result.modifications.count == 1)
  }

  @Test("a part with no // holds nothing fetchable: it is left as it is, unread")
  func noURLNoWork() {
    let html = #"<p>Hi</p><img src="o.gif" width="1" height="1"><a href="/sale?utm_source=x">s</a>"#
    let result = limiter.rewrite(html: html, text: "utm_source=x", consent: false)
    #expect(result == TrackingResult())
    let based = #"<base href="https://t.example/">"# + html
    #expect(limiter.rewrite(html: based, text: nil, consent: false).modifications.count == 1)
  }

  @Test(
    "fed in pieces of any size, the output is the same as in one piece",
    arguments: ["01-sendgrid-retail", "35-recipient-identifiers", "36-unsubscribe-links"])
  func streaming(name: String) throws {
    let html = try String(
      decoding: repositoryFile("fixtures/emails/\(name).html"), as: UTF8.self)
    let bytes = Array(html.utf8)
    // The corpus's recipient: mail 35 hides their identifiers.
    let recipient = RecipientIdentity(address: "Mara.Lind@example.net", customerId: "cu-58213")
    let whole = bytes.withUnsafeBufferPointer {
      limiter.rewriteHTML($0, consent: false, recipient: recipient)
    }
    #expect(whole.modifications.count > 1)
    var random = SeededRandom(seed: 7)
    for maximum in [1, 2, 7, 64, 1000] {
      var stream = limiter.htmlStream(consent: false, recipient: recipient)
      var output: [UInt8] = []
      var offset = 0
      while offset < bytes.count {
        let size = Int.random(in: 1...maximum, using: &random)
        let end = min(bytes.count, offset + size)
        output += stream.feed(bytes[offset..<end])
        offset = end
      }
      output += stream.finish()
      #expect(output == whole.output, "pieces of up to \(maximum) bytes")
      #expect(stream.modifications == whole.modifications)
    }
  }
}

/// A reproducible generator: a failing case can be run again.
struct SeededRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
  mutating func next() -> UInt64 {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}
