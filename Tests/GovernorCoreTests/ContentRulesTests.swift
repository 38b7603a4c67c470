import Foundation
import GovernorCore
import Testing

@Suite("Content the law requires")
struct ContentRulesTests {
  static let yaml = """
    name: content
    default_time_zone: America/New_York
    consent:
      purposes:
        marketing: {}
    categories:
      transactional: {consent: [], caps: false, quiet_hours: false}
      marketing: {consent: []}
    sender:
      name: Maple & Main Outfitters
      postal_address: 123 Main Street, Springfield, IL 62701
      contact: [help@maplemain.example, +1 (555) 010-0199, maplemain.example/contact]
      ad_label: Advertisement
    content:
      can_spam:
        categories: [marketing]
        affirmative_consent: marketing
        time_zones: [America/New_York, America/Chicago]
      casl:
        categories: [marketing]
        time_zones: [America/Toronto, America/Vancouver]
      gmail_yahoo:
        categories: [marketing]
        action: report
    """

  let engine: Engine

  init() throws {
    engine = Engine(policy: try policy(Self.yaml))
  }

  static func fixture(_ name: String) throws -> String {
    String(decoding: try repositoryFile("fixtures/content/\(name)"), as: UTF8.self)
  }

  /// A US (or, with `zone`, another) customer with no consent on record, mailed `html`/`text`.
  func decide(
    html: String?, text: String? = nil, zone: String = "America/New_York",
    consents: [ConsentEvent] = [], category: String = "marketing", subject: String = "Winter sale"
  ) -> Decision {
    let state = CustomerState(
      customerId: "c1", email: "c1@example.com", timeZone: Zone(identifier: zone),
      consents: consents)
    let message = Message(
      id: "m1", customerId: "c1", to: "c1@example.com", from: "news@maplemain.example",
      subject: subject, html: html, text: text, category: category)
    return engine.evaluate(message, for: state, at: time("2026-11-24T17:00:00Z"))
  }

  @Test("an address split by <br> and &nbsp;, a label and a visible unsubscribe link pass")
  func compliantPasses() throws {
    let decision = decide(
      html: try Self.fixture("compliant.html"), text: try Self.fixture("compliant.txt"))
    #expect(decision.outcome == .forwarded)
    #expect(decision.reasons.isEmpty, "\(decision.reasons.map(\.message))")
    let canadian = decide(
      html: try Self.fixture("compliant.html"), text: try Self.fixture("compliant.txt"),
      zone: "America/Toronto")
    #expect(canadian.reasons.isEmpty, "\(canadian.reasons.map(\.message))")
  }

  @Test(
    "a link hidden by display:none or zero size does not count, nor text in a hidden cell",
    arguments: [
      ("hidden-unsubscribe.html", "missing_unsubscribe_link"),
      ("zero-size-unsubscribe.html", "missing_unsubscribe_link"),
      ("hidden-cell-address.html", "missing_postal_address"),
    ])
  func hiddenDoesNotCount(file: String, code: String) throws {
    let decision = decide(html: try Self.fixture(file))
    #expect(decision.outcome == .blocked)
    let reason = try #require(decision.reasons.first { $0.rule == "content.can_spam" })
    #expect(reason.code == code)
    #expect(reason.effect == .block)
    #expect(reason.facts["parts"] == .texts(["html"]))
  }

  @Test("the reason names the requirement and its source")
  func reasonCitesSource() throws {
    let decision = decide(html: try Self.fixture("hidden-cell-address.html"))
    let reason = try #require(decision.reasons.first)
    #expect(
      reason.message
        == "CAN-SPAM requires the sender's postal address (15 U.S.C. §7704(a)(5)(A)(iii)); "
        + "'123 Main Street, Springfield, IL 62701' is not visible in the HTML part")
    #expect(reason.facts["source"] == .text("15 U.S.C. §7704(a)(5)(A)(iii)"))
    #expect(reason.facts["law"] == .text("can_spam"))
    // Gmail and Yahoo's rule is reported only; the unsubscribe link is visible here.
    #expect(!decision.reasons.contains { $0.rule == "content.gmail_yahoo" })
  }

  @Test("the text part is checked too: without the address it fails, though the HTML has it")
  func textPartChecked() throws {
    let decision = decide(
      html: try Self.fixture("compliant.html"), text: try Self.fixture("text-without-address.txt"))
    #expect(decision.outcome == .blocked)
    #expect(decision.codes == ["missing_postal_address"])
    #expect(decision.reasons.first?.facts["parts"] == .texts(["text"]))
    #expect(decision.reasons.first?.message.hasSuffix("is not visible in the text part") == true)
  }

  @Test("Canadian mail without a phone, email or web address fails CASL; the US law is satisfied")
  func caslNeedsContact() throws {
    let html = try Self.fixture("no-contact.html")
    let canadian = decide(html: html, zone: "America/Toronto")
    #expect(canadian.outcome == .blocked)
    #expect(canadian.codes == ["missing_contact"])
    let reason = try #require(canadian.reasons.first)
    #expect(reason.rule == "content.casl")
    #expect(reason.facts["source"] == .text("CRTC Regulations SOR/2012-36 s.2(d)"))
    #expect(decide(html: html).outcome == .forwarded)
  }

  @Test("an ad without the label fails until the customer's affirmative consent is recorded")
  func adLabelUntilConsent() throws {
    let html = try Self.fixture("no-label.html")
    let unlabelled = decide(html: html)
    #expect(unlabelled.codes == ["missing_ad_label"])
    #expect(unlabelled.reasons.first?.facts["consent_purpose"] == .text("marketing"))
    #expect(decide(html: html, subject: "Advertisement: winter sale").outcome == .forwarded)
    let granted = time("2026-01-01T00:00:00Z")
    let consented = decide(
      html: html,
      consents: [ConsentEvent(purpose: "marketing", status: .granted, kind: "express", at: granted)]
    )
    #expect(consented.outcome == .forwarded)
    #expect(consented.reasons.isEmpty)
  }

  @Test("a rule set to report gives a shadow reason: Gmail's visible-link rule outside the US")
  func reportOnly() throws {
    let decision = decide(html: try Self.fixture("hidden-unsubscribe.html"), zone: "Europe/Paris")
    #expect(decision.outcome == .forwarded)
    #expect(decision.reasons.map(\.rule) == ["content.gmail_yahoo"])
    #expect(decision.reasons.map(\.effect) == [.shadow])
  }

  @Test("mail of other categories, and probes without a body, are not checked")
  func scope() throws {
    #expect(decide(html: "<p>Your receipt</p>", category: "transactional").reasons.isEmpty)
    let eligibility = engine.eligibility(
      of: CustomerState(customerId: "c1", email: "c1@example.com"), at: time("2026-11-24T17:00:00Z")
    )
    #expect(eligibility.allSatisfy { $0.eligibleNow })
  }

  @Test("a dry-run reads the campaign's parts once and decides the same")
  func preparedPartsAgree() throws {
    let html = try Self.fixture("no-contact.html")
    let prepared = engine.prepare(html: html, text: nil)
    let state = CustomerState(
      customerId: "c1", email: "c1@example.com", timeZone: Zone(identifier: "America/Toronto"))
    let message = Message(
      id: "m1", customerId: "c1", to: "c1@example.com", from: "news@maplemain.example",
      subject: "Winter sale", html: html, category: "marketing")
    let at = time("2026-11-24T17:00:00Z")
    #expect(
      engine.evaluate(message, for: state, at: at, prepared: prepared)
        == engine.evaluate(message, for: state, at: at))
  }

  @Test("the shipped us-can-spam policy blocks commercial mail that lacks what §7704(a)(5) asks")
  func shippedPolicy() throws {
    let us = Engine(policy: try GovernorCoreTests.shippedPolicy("us-can-spam"))
    let bare = us.decide(customer(consents: []), at: "2026-11-27T16:00:00Z")
    #expect(bare.outcome == .blocked)
    #expect(
      bare.reasons.filter(\.holdsBack).map(\.code) == [
        "missing_postal_address", "missing_unsubscribe_link", "missing_ad_label",
      ])
    #expect(bare.reasons.contains { $0.rule == "content.gmail_yahoo" && $0.effect == .shadow })
    let complete = us.decide(customer(consents: []), at: "2026-11-27T16:00:00Z", html: canSpamBody)
    #expect(complete.outcome == .forwarded)
    #expect(complete.reasons.isEmpty)
  }

  @Test(
    "a content section the policy cannot keep is refused where it is written",
    arguments: [
      ("  casl:\n", "  casll:\n", "content.casll is not a law the governor checks"),
      ("  name: Maple & Main Outfitters\n", "", "content.casl needs sender.sender_name"),
      (
        "    affirmative_consent: marketing\n", "    affirmative_consent: marketting\n",
        "did you mean 'marketing'"
      ),
      ("    action: report", "    action: warn", "action must be block or report"),
      (
        "    action: report", "    action: report\n    enforce: 10%",
        "content.gmail_yahoo has both action: report and enforce: 10%"
      ),
      ("America/Vancouver]", "America/Vancuver]", "is not an IANA time zone"),
    ])
  func badContent(old: String, new: String, expected: String) {
    let problems = diagnostics(Self.yaml.replacingOccurrences(of: old, with: new))
    #expect(problems.contains { $0.contains(expected) }, "\(problems)")
  }
}
