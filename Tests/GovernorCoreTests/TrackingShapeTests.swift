import Foundation
import Testing

@testable import GovernorCore

/// Tracking recognised by the shape of its URLs, on the ESPs' hosts and on the senders' own
/// branded ones (`policies/trackers/esp-redirectors.yaml`), with the formats each ESP
/// documents.
@Suite("Tracking stage: shapes on branded hosts")
struct TrackingShapeTests {
  let limiter: TrackingLimiter
  init() throws { limiter = try defaultLimiter() }

  func link(_ url: String, consent: Bool = false, recipient: RecipientIdentity? = nil)
    -> (String, [String])
  {
    let html = "<a href=\"\(url)\">x</a>"
    let result = limiter.rewrite(html: html, text: nil, consent: consent, recipient: recipient)
    let output = result.html ?? html
    let href = output.dropFirst("<a href=\"".count).prefix { $0 != "\"" }
    return (String(href), result.modifications.map(\.kind))
  }

  static func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  @Test("Postmark: the destination in the first path segment, its scheme from the version")
  func postmark() {
    let url =
      "https://click.pstmrk.it/3s/shop.example%2Fboots%3Fsize%3D42%26utm_source%3Dpostmark/"
      + "AbCd/XyZ12/8f3e"
    #expect(
      link(url) == (
        "https://shop.example/boots?size=42",
        ["click_redirect_unwrapped", "tracking_parameters_removed"]
      ))
    let http = "https://click.pstmrk.it/2/shop.example%2Fhelp/AbCd/XyZ12"
    #expect(link(http).0 == "http://shop.example/help")
  }

  @Test("Substack: base64url JSON before the signature, on substack.com and a custom domain")
  func substack() {
    let json = #"{"e":"https://shop.example/post/spring","p":148,"s":33,"u":9912,"f":true}"#
    let token = Self.base64URL(Array(json.utf8)) + ".Zx9_signature"
    for host in ["substack.com", "news.brand.example"] {
      let url = "https://\(host)/redirect/2/\(token)?r=abc"
      #expect(link(url) == ("https://shop.example/post/spring", ["click_redirect_unwrapped"]))
    }
    let jwt =
      "https://news.brand.example/redirect/8c0e7a51-52f1-4b1a-9b3a-1f0e5d6c7b8a"
      + "?j=eyJhbGciOiJIUzI1NiJ9.eyJlIjoiaHR0cHMifQ.sig"
    #expect(link(jwt) == (jwt, ["click_redirect_unrecoverable"]))
  }

  /// A SparkPost link record: a few tagged fields, the link led by its length, the address.
  static func sparkPostRecord(_ destination: String, recipient: String) -> String {
    var record: [UInt8] = [0x46, 0x04, 0x63, 0x44, 0x75, 0x49, 0x3F, 0x44]
    record.append(UInt8(destination.utf8.count))
    record += destination.utf8
    record += [0x57, 0x03] + Array("spc".utf8) + [0x42, UInt8(recipient.utf8.count)]
    record += recipient.utf8
    return base64URL(record)
  }

  @Test("SparkPost: the link read from its record, on spgo.io and on a branded host")
  func sparkPost() {
    let record = Self.sparkPostRecord(
      "https://shop.example/sale?utm_source=sp&color=red", recipient: "ana@example.com")
    for host in ["spgo.io", "go.brand.example"] {
      let url = "https://\(host)/f/a/A_t6yP2kKrZqtbB6U7qWTg~~/AAAAAQA~/\(record)~"
      #expect(
        link(url) == (
          "https://shop.example/sale?color=red",
          ["click_redirect_unwrapped", "tracking_parameters_removed"]
        ), "\(host)")
    }
    // Kept with tracking consent, the record still names the recipient: reported.
    let recipient = RecipientIdentity(address: "ana@example.com", customerId: "cust-123")
    let kept = "https://go.brand.example/f/a/A_t6yP2kKrZqtbB6U7qWTg~~/AAAAAQA~/\(record)~"
    let (href, kinds) = link(kept, consent: true, recipient: recipient)
    #expect(href == kept)
    #expect(kinds == ["recipient_identifier_outside_query"])
    // A record with no link in it: kept, and said so.
    let empty = Self.base64URL(Array("no link here at all, only words".utf8))
    let opaque = "https://go.brand.example/f/a/A_t6yP2kKrZq~~/AAAAAQA~/\(empty)~"
    #expect(link(opaque) == (opaque, ["click_redirect_unrecoverable"]))
  }

  @Test("opaque redirects on branded hosts are recognised by shape and reported")
  func opaqueShapes() {
    let hex = String(repeating: "a1b2c3d4", count: 12)
    let token = String(repeating: "NDU0LVhYWC0yMDQAAAF", count: 3)
    for url in [
      "https://click.e.brand.example/?qs=\(hex)",
      "https://links.brand.example/ss/c/u001.AbCdEf-2Bgh/4a1/h0/9f8e7d",
      "https://info.brand.example/\(token)=",
      "https://email.mg.brand.example/c/eJxNjU1uwzAIRk-TZVeb2E6dRQ9ABqh",
      "https://t.brand.example/r/?id=h1a2b3c,4d5e6f,7a8b9c",
      "https://s1234.t.eloqua.com/e/er?s=1234&lid=55&elqTrackId=abc",
    ] {
      let (href, kinds) = link(url)
      #expect(kinds.first == "click_redirect_unrecoverable", "\(url)")
      #expect(href == url || kinds.contains("tracking_parameters_removed"), "\(url)")
    }
  }

  @Test("look-alikes of those shapes are left alone")
  func lookAlikes() {
    for url in [
      "https://brand.example/?qs=spring",
      "https://brand.example/my-long-article-title-about-spring-sales-and-more-things",
      "https://brand.example/c/contact",
      "https://brand.example/r/?id=42",
      "https://brand.example/redirect/2/short.x",
      "https://brand.example/ss/c/other/thing",
    ] {
      #expect(link(url) == (url, []), "\(url)")
    }
  }

  @Test("Eloqua, Customer.io and Klaviyo parameters are tracking parameters")
  func parameters() {
    let url =
      "https://shop.example/p?elqTrackId=1&elq=2&elqaid=3&elqat=1&elqCampaignId=9"
      + "&_cio_id=abc&klaviyo_id=k1&color=red"
    #expect(
      link(url) == ("https://shop.example/p?color=red", ["tracking_parameters_removed"]))
  }

  @Test("a kept Adobe Campaign redirect keeps p1, which its server puts into the destination")
  func keptRedirectKeepsItsParameters() {
    let recipient = RecipientIdentity(address: "ana@example.com", customerId: "cust-123")
    let url = "https://t.brand.example/r/?id=h1a2b3c,4d5e6f,7a8b9c&p1=ana@example.com&p2=x"
    let (href, kinds) = link(url, recipient: recipient)
    #expect(href == url)
    #expect(kinds == ["click_redirect_unrecoverable", "recipient_identifier_found"])
  }

  @Test("an image from a click-tracking host is an open pixel, whatever its size")
  func imageFromClickHost() {
    let html = #"<img src="https://trk.klclick.com/o/abc123" width="600" height="300" alt="">"#
    let result = limiter.rewrite(html: html, text: nil, consent: false)
    #expect(result.modifications.map(\.kind) == ["open_pixel_removed"])
    // The same domains serve real images: only their click endpoint is tracking.
    let image = #"<img src="https://image.s7.exacttarget.com/lib/fe9/hero.jpg" width="600">"#
    #expect(limiter.rewrite(html: image, text: nil, consent: false).modifications.isEmpty)
  }

  @Test("shapes: literal text, *, classes with a least length, ** last")
  func shapes() throws {
    func matches(_ shape: String, _ text: String) throws -> Bool {
      let parsed = try TextShape.parse(shape).get()
      return Array(text.utf8).withUnsafeBufferPointer { parsed.matches($0[...]) }
    }
    #expect(try matches("h{hex:4}*", "h1a2b,3c"))
    #expect(try !matches("h{hex:4}*", "h1a2"))
    #expect(try matches("{base64:8}=", "QUJDREVGR0g="))
    #expect(try matches("{base64:8}=", "QUJDREVGR0g=="))
    #expect(try !matches("{base64:8}=", "QUJDREVGR0g"))
    #expect(try matches("U001.*", "u001.x"))
    #expect(try matches("*~~", "abc~~"))
    #expect(try !matches("{digits}s", "3x"))
    func path(_ shape: String, _ text: String) throws -> Bool {
      let parsed = try PathShape.parse(shape).get()
      return Array(text.utf8).withUnsafeBufferPointer { parsed.matches($0[...]) }
    }
    #expect(try path("/", ""))
    #expect(try path("/", "/"))
    #expect(try !path("/", "/a"))
    #expect(try path("/a/**", "/a"))
    #expect(try path("/a/**", "/a/b/c"))
    #expect(try !path("/a/*", "/a"))
    #expect(try path("/r/", "/r/"))
    for bad in [
      "a/b", "/**/a", "/{hexx}", "/{hex:0}", "/{hex", "/*a*b*", "/{hex}{digits}x", "/*{hex}x",
    ] {
      #expect(throws: ShapeError.self) { try PathShape.parse(bad).get() }
    }
  }
}

extension TrackingShapeTests {
  func kinds(_ html: String) -> [String] {
    limiter.rewrite(html: html, text: nil, consent: false).modifications.map(\.kind)
  }

  @Test("an image inside a hidden element is an open pixel; after the element, it is not")
  func hiddenAncestors() {
    let image = #"<img src="https://cdn.brand.example/o/abc.gif">"#
    for opening in [
      #"<div style="display:none">"#, #"<div style="visibility: hidden">"#,
      #"<div hidden>"#, #"<div style="max-height:0;overflow:hidden">"#,
      #"<span style="width:0;height:0">"#, #"<table width="0">"#,
    ] {
      let close =
        opening.hasPrefix("<span") ? "</span>" : opening.hasPrefix("<table") ? "</table>" : "</div>"
      #expect(
        kinds(opening + "<p>" + image + "</p>" + close) == ["open_pixel_removed"], "\(opening)")
      #expect(kinds(opening + "x" + close + image).isEmpty, "after \(opening)")
    }
    // Nested elements of the same name end where the hiding one ends.
    #expect(
      kinds(#"<div style="display:none"><div>a</div>"# + image + "</div>") == ["open_pixel_removed"]
    )
    #expect(kinds(#"<div style="display:none"><div>a</div></div>"# + image).isEmpty)
    // A real image stays, as a hidden mobile hero shown by a media query does.
    #expect(
      kinds(
        #"<div style="display:none"><img src="https://cdn.brand.example/hero.jpg" width="600"></div>"#
      )
      .isEmpty)
    // A cell that hides may end without its end tag: it starts no region.
    #expect(kinds(#"<table><tr><td style="display:none">a<td>"# + image + "</table>").isEmpty)
    #expect(kinds(#"<br style="display:none">"# + image).isEmpty)
  }

  @Test("the issue's case: a Klaviyo open image in a hidden div")
  func klaviyoInHiddenDiv() {
    #expect(
      kinds(#"<div style="display:none"><img src="https://trk.klclick.com/o/abc"></div>"#)
        == ["open_pixel_removed"])
  }
}

extension TrackingShapeTests {
  @Test("a kept redirect's own identifier is only reported; another beside it is removed, apart")
  func keptAndRemovedIdentifiersApart() {
    let recipient = RecipientIdentity(address: "ana@example.com", customerId: "cust-123")
    let url = "https://t.brand.example/r/?id=h1a2b3c,4d5e6f,7a8b9c&p1=ana@example.com&e=cust-123"
    let html = "<a href=\"\(url)\">x</a>"
    let result = limiter.rewrite(html: html, text: nil, consent: false, recipient: recipient)
    let changes = result.modifications.filter { $0.kind.hasPrefix("recipient_identifier") }
    #expect(
      changes.map { "\($0.kind): \($0.detail ?? "")" } == [
        "recipient_identifier_removed: e", "recipient_identifier_found: p1",
      ])
    #expect(changes.first?.replacement == String(url.dropLast("&e=cust-123".count)))
  }
}
