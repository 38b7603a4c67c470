import Foundation
import GovernorCore
import Testing

@Suite("Tracking stage: links in HTML and text")
struct TrackingLinkTests {
  let limiter: TrackingLimiter
  init() throws { limiter = try defaultLimiter() }

  static func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  func link(_ url: String, consent: Bool = false) -> (String, [String]) {
    let (output, changes) = limiter.html("<a href=\"\(url)\">x</a>", consent: consent)
    let href = output.dropFirst("<a href=\"".count).prefix { $0 != "\"" }
    return (String(href), changes.map(\.kind))
  }

  @Test("Mandrill: the link inside base64 JSON inside JSON is recovered, then cleaned")
  func mandrill() throws {
    let inner =
      #"{"u":30000000,"v":1,"url":"https:\/\/shop.example\/sale?utm_source=mandrill&color=red","id":"9f"}"#
    let outer = String(
      decoding: try JSONSerialization.data(withJSONObject: ["s": "sig", "v": 1, "p": inner]),
      as: UTF8.self)
    let url = "https://mandrillapp.com/track/click/30000000/shop.example?p=\(Self.base64URL(outer))"
    let (href, kinds) = link(url)
    #expect(href == "https://shop.example/sale?color=red")
    #expect(kinds == ["click_redirect_unwrapped", "tracking_parameters_removed"])
  }

  @Test("ActiveCampaign, Amazon SES, Customer.io and Google: destinations recovered")
  func recoverable() {
    let active =
      "https://brand.lt.acemlnb.com/Prod/link-tracker?redirectVal=null&redirectUrl="
      + Data("https://shop.example/boots".utf8).base64EncodedString() + "&a=1&i=2"
    #expect(link(active).0 == "https://shop.example/boots")
    let ses =
      "https://a1b2.r.us-east-1.awstrack.me/L0/https:%2F%2Fshop.example%2Fboots%3Fsize%3D42%26utm_medium%3Demail/1/0100018c/AbC=123"
    #expect(link(ses).0 == "https://shop.example/boots?size=42")
    let token = Self.base64URL(
      #"{"email_id":"RAA","href":"https://shop.example/cart","internal":"x"}"#)
    let customerIO = "https://e.customeriomail.com/e/c/\(token)/sig123"
    #expect(link(customerIO).0 == "https://shop.example/cart")
    let google = "https://www.google.com/url?q=https%3A%2F%2Fshop.example%2Fhelp&sa=D"
    #expect(link(google) == ("https://shop.example/help", ["click_redirect_unwrapped"]))
  }

  @Test(
    "base64 destinations: padded or not, url-safe or standard, padding percent-encoded",
    arguments: ["", "1", "12"])
  func base64Variants(suffix: String) {
    // `>>>???` encodes to `Pj4+Pz8/`: both alphabets' last two characters appear.
    let destination = "https://shop.example/pp?qq=>>>???\(suffix)"
    let standard = Data(destination.utf8).base64EncodedString()
    let encodings = [
      standard,
      standard.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F")
        .replacingOccurrences(of: "=", with: "%3D"),
      Self.base64URL(destination),
    ]
    for encoded in encodings {
      let url = "https://brand.lt.acemlnb.com/Prod/link-tracker?redirectUrl=\(encoded)&a=1"
      #expect(link(url) == (destination, ["click_redirect_unwrapped"]), "\(encoded)")
    }
    // A length of 4n + 1 characters is no base64 text.
    let full = Self.base64URL(destination)
    let cut = full.prefix((full.count - 1) / 4 * 4 + 1)
    let truncated = "https://brand.lt.acemlnb.com/Prod/link-tracker?redirectUrl=\(cut)"
    #expect(link(truncated).1 == ["click_redirect_unrecoverable"])
  }

  @Test("an opaque redirector is left as it is and reported")
  func unrecoverable() {
    for url in [
      "https://shop.us1.list-manage.com/track/click?u=abc&id=def&e=123",
      "https://links.shop.example/ls/click?upn=u001.Xyz-2Bq&token=1",
      "https://brand.lt.acemlnb.com/Prod/link-tracker?redirectUrl=%%%notbase64",
    ] {
      let (href, kinds) = link(url)
      #expect(href == url)
      #expect(kinds == ["click_redirect_unrecoverable"])
    }
  }

  @Test("with tracking consent the default policy keeps redirects and parameters")
  func consentKeeps() {
    let url = "https://shop.us1.list-manage.com/track/click?u=abc&id=def"
    #expect(link(url, consent: true) == (url, []))
    let tagged = "https://shop.example/?utm_source=news"
    #expect(link(tagged, consent: true) == (tagged, []))
  }

  @Test("with consent, links past max_tracked_links lose their tracking")
  func trackedLinkLimit() throws {
    var tracking = limiter.policy
    tracking.withConsent.maxTrackedLinks = 2
    let limited = TrackingLimiter(policy: tracking, lists: limiter.lists)
    let html =
      (1...4).map { #"<a href="https://shop.example/\#($0)?utm_source=n">\#($0)</a>"# }
      .joined() + #"<a href="https://shop.example/plain">p</a>"#
    let (output, changes) = limited.html(html, consent: true)
    #expect(
      output == #"<a href="https://shop.example/1?utm_source=n">1</a>"#
        + #"<a href="https://shop.example/2?utm_source=n">2</a>"#
        + #"<a href="https://shop.example/3">3</a><a href="https://shop.example/4">4</a>"#
        + #"<a href="https://shop.example/plain">p</a>"#)
    #expect(changes.count == 2)
  }

  @Test("the text part: parameters and redirects go, punctuation around the URL stays")
  func textPart() {
    let text = """
      Shop now: https://shop.example/sale?utm_source=mail&id=3.
      Or (https://www.google.com/url?q=https://shop.example/help) <https://shop.example/?fbclid=1>
      """
    let result = limiter.rewrite(html: nil, text: text, consent: false)
    #expect(
      result.text == """
        Shop now: https://shop.example/sale?id=3.
        Or (https://shop.example/help) <https://shop.example/>
        """)
    #expect(result.modifications.allSatisfy { $0.part == "text" })
    #expect(result.modifications.count == 3)
  }

  @Test("links on VML buttons and image maps are links too; a link stylesheet is a resource")
  func otherLinks() {
    let html = """
      <v:roundrect href="https://shop.example/?mc_cid=1&mc_eid=2" arcsize="10%"></v:roundrect>\
      <area href="https://shop.example/a?gclid=9" shape="rect">\
      <link rel="stylesheet" href="https://www.googletagmanager.com/x.css"><p>
      """
    let (output, changes) = limiter.html(html)
    #expect(
      output == """
        <v:roundrect href="https://shop.example/" arcsize="10%"></v:roundrect>\
        <area href="https://shop.example/a" shape="rect"><p>
        """)
    #expect(
      changes.map(\.kind) == [
        "tracking_parameters_removed", "tracking_parameters_removed", "tracker_resource_removed",
      ])
  }
}
