import Foundation
import GovernorCore
import Testing

@Suite("Gmail's Feedback-ID header")
struct FeedbackIDTests {
  static let policyText =
    basePolicy + """
      headers:
        feedback_id:
          sender_id: ShopNews01
          fields: [campaign, category]
      """

  static func mail(campaign: String?, category: String = "marketing", customer: String = "c1001")
    -> Message
  {
    Message(
      id: "m1", customerId: customer, to: "ana@example.com", from: "news@shop.example",
      subject: "Hi", text: "Hi", category: category, campaignId: campaign)
  }

  @Test("campaign:category:SenderId on the mail of the categories caps apply to, none on receipts")
  func value() throws {
    let engine = Engine(policy: try policy(Self.policyText))
    let now = time("2026-11-18T12:00:00Z")
    var state = customer("c1001")
    state.email = "ana@example.com"
    let decision = engine.evaluate(Self.mail(campaign: "bf26"), for: state, at: now)
    #expect(decision.outcome == .forwarded)
    #expect(
      decision.modifications.first { $0.kind == FeedbackID.added }?.detail
        == "bf26:marketing:ShopNews01")
    let receipt = engine.evaluate(
      Self.mail(campaign: "bf26", category: "transactional"), for: state, at: now)
    #expect(!receipt.modifications.contains { $0.kind == FeedbackID.added })
  }

  @Test(
    "a field that would name the recipient is withheld; a missing one is none; odd characters go")
  func neverTheRecipient() throws {
    let feedback = FeedbackID(policy: try #require(policy(Self.policyText).headers.feedbackID))
    #expect(
      feedback.value(for: Self.mail(campaign: "ana@example.com")) == "withheld:marketing:ShopNews01"
    )
    #expect(feedback.value(for: Self.mail(campaign: "c1001")) == "withheld:marketing:ShopNews01")
    #expect(
      feedback.value(for: Self.mail(campaign: "YW5hQGV4YW1wbGUuY29t"))
        == "withheld:marketing:ShopNews01")
    #expect(feedback.value(for: Self.mail(campaign: nil)) == "none:marketing:ShopNews01")
    #expect(
      feedback.value(for: Self.mail(campaign: "Black Friday: 2026"))
        == "Black-Friday--2026:marketing:ShopNews01")
  }

  @Test("a bad sender id or field is located and named")
  func diagnosticsNameTheField() {
    let problems = diagnostics(
      basePolicy + """
        headers:
          feedback_id:
            sender_id: abc
            fields: [campain, category]
        """)
    #expect(
      problems == [
        "test.yaml:12:16: headers.feedback_id.sender_id 'abc' must be 5 to 15 letters or digits "
          + "(Gmail's SenderId)",
        "test.yaml:13:14: headers.feedback_id.fields may hold campaign, category, sending_domain, "
          + "not 'campain'; did you mean 'campaign'?",
      ])
  }
}
