import Foundation
import GovernorCore
import Testing

/// Survey fatigue (issue 34): every shipped policy has a `survey` category, capped at one in
/// 90 days apart from the promotional caps, with the consent its law asks for.
@Suite("The survey category of the shipped policies")
struct SurveyCategoryTests {
  static let now = "2026-11-27T16:00:00Z"

  static func daysAgo(_ days: Double) -> String {
    ISO8601DateFormatter().string(from: time(now).addingTimeInterval(-days * 86_400))
  }

  /// A customer with every consent the policies name, surveys included.
  func consenting(sends: [(String, String)]) -> CustomerState {
    var state = customer(sends: sends)
    let granted = time("2024-01-01T00:00:00Z")
    state.consents.append(
      ConsentEvent(
        purpose: "surveys", status: .granted, kind: "express", at: granted, confirmedAt: granted))
    return state
  }

  @Test("one survey in 90 days", arguments: ["default", "eu-strict", "us-can-spam"])
  func onePerNinetyDays(policy name: String) throws {
    let engine = Engine(policy: try shippedPolicy(name))
    let recent = engine.decide(
      consenting(sends: [(Self.daysAgo(89), "survey")]), "survey", at: Self.now)
    #expect(recent.outcome != .forwarded)
    #expect(recent.reasons.map(\.rule) == ["caps.survey"], "\(recent.reasons)")
    let long = engine.decide(
      consenting(sends: [(Self.daysAgo(91), "survey")]), "survey", at: Self.now)
    #expect(long.outcome == .forwarded, "\(long.reasons)")
  }

  @Test(
    "a survey takes no promotional slot, and an offer none of the survey's",
    arguments: ["default", "eu-strict", "us-can-spam"])
  func apartFromPromotionalCaps(policy name: String) throws {
    let engine = Engine(policy: try shippedPolicy(name))
    let body = name == "us-can-spam" ? canSpamBody : "<p>Hi</p>"
    let afterSurvey = engine.decide(
      consenting(sends: [(Self.daysAgo(0.1), "survey")]), "marketing", at: Self.now, html: body)
    #expect(afterSurvey.outcome == .forwarded, "\(afterSurvey.reasons)")
    let afterOffer = engine.decide(
      consenting(sends: [(Self.daysAgo(0.1), "marketing")]), "survey", at: Self.now)
    #expect(afterOffer.outcome == .forwarded, "\(afterOffer.reasons)")
  }

  @Test("where a survey is advertising (BGH VI ZR 225/17), eu-strict asks consent for it")
  func euStrictAsksConsent() throws {
    let strict = Engine(policy: try shippedPolicy("eu-strict"))
    #expect(strict.decide(customer(), "survey", at: Self.now).codes == ["consent_missing"])
    let lenient = Engine(policy: try shippedPolicy("default"))
    #expect(lenient.decide(customer(consents: []), "survey", at: Self.now).outcome == .forwarded)
  }

  @Test("an unsubscribe stops surveys", arguments: ["default", "eu-strict", "us-can-spam"])
  func unsubscribeStopsSurveys(policy name: String) throws {
    let engine = Engine(policy: try shippedPolicy(name))
    var state = consenting(sends: [])
    state.suppressions = [
      Suppression(reason: .unsubscribed, scope: .all, at: time("2026-01-01T00:00:00Z"))
    ]
    #expect(engine.decide(state, "survey", at: Self.now).outcome == .blocked)
  }
}
