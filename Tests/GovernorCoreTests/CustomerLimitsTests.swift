import Foundation
import GovernorCore
import Testing

/// The preference page's limits, in words, from the policy the engine enforces (issue 34).
@Suite("A customer's limits in words")
struct CustomerLimitsTests {
  @Test("the default policy: its caps by the categories they count, then the quiet hours")
  func defaultPolicy() throws {
    let limits = CustomerLimits(
      policy: try shippedPolicy("default"), preference: nil, zone: zone("Europe/Madrid"))
    #expect(
      limits.lines.map(\.sentence) == [
        "Marketing and newsletter: at most 1 email a day, at most 3 emails in any 7 days, at "
          + "most 10 emails a month and at least 16 hours apart.",
        "Survey: at most 1 email in any 90 days.",
        "None between 21:00 and 08:00 your time (Europe/Madrid), for marketing, newsletter and "
          + "survey.",
      ])
  }

  @Test("the customer's own choice is one more line; shadow and trial caps promise nothing")
  func preferenceAndTrials() throws {
    let weekly = FrequencyPreference(max: 1, window: .rolling(seconds: 7 * 86_400))
    let strict = CustomerLimits(
      policy: try shippedPolicy("eu-strict"), preference: weekly, zone: zone("Europe/Brussels"))
    let sentences = strict.lines.map(\.sentence)
    #expect(sentences.contains { $0.hasPrefix("Your own choice: at most 1 email in any 7 days") })
    // monthly-trial is enforced for 10% of customers: not a promise to this one.
    #expect(!sentences.contains { $0.contains("6 emails a month") })
    let shadowed = try policy(
      basePolicy + """
        caps:
          - {id: daily, max: 1, per: day}
          - {id: tried, max: 2, within: 7d, shadow: true}
        """)
    #expect(
      CustomerLimits(policy: shadowed, preference: nil, zone: zone("UTC")).lines.map(\.sentence)
        == ["Marketing and newsletter: at most 1 email a day."])
  }
}
