import Foundation
import GovernorCore
import Testing

/// Consent is given for an address: one given for an address the customer no longer has
/// covers their new one only where the policy says so, and the record says why it held.
@Suite("Consent given for an address")
struct ConsentAddressTests {
  func grant(_ at: String, for address: String?, purpose: String = "marketing") -> ConsentEvent {
    ConsentEvent(
      purpose: purpose, status: .granted, kind: "express", at: time(at), confirmedAt: time(at),
      source: "signup-form", address: address)
  }

  /// c1, now at c1@example.com, consented while at old@example.com.
  func movedCustomer(_ consents: [ConsentEvent]) -> CustomerState {
    customer(consents: consents)
  }

  func engine(coversNewAddress: Bool?) throws -> Engine {
    let setting = coversNewAddress.map { "  covers_new_address: \($0)\n" } ?? ""
    let yaml = basePolicy.replacingOccurrences(
      of: "consent:\n", with: "consent:\n\(setting)")
    return Engine(policy: try policy(yaml))
  }

  @Test("by default consent for an old address does not cover the new one, and the reason says why")
  func notCarriedByDefault() throws {
    let engine = try engine(coversNewAddress: nil)
    #expect(engine.policy.consent.coversNewAddress == false)
    let state = movedCustomer([grant("2025-01-01T00:00:00Z", for: "old@example.com")])
    let decision = engine.decide(state, at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.codes == ["consent_other_address"])
    let reason = try #require(decision.reasons.first)
    #expect(reason.effect == .block)
    #expect(reason.message.contains("consent.covers_new_address"))
    #expect(reason.facts["granted_at"] == .time(time("2025-01-01T00:00:00Z")))
    // Nothing in the decision names either address.
    #expect(!"\(reason.message) \(reason.facts)".contains("old@example.com"))
    // Transactional mail needs no consent: it goes.
    #expect(engine.decide(state, "transactional", at: "2026-11-27T10:00:00Z").outcome == .forwarded)
  }

  @Test("where the policy carries consent over, it holds, with a note that says so")
  func carriedWhenThePolicySays() throws {
    let engine = try engine(coversNewAddress: true)
    let state = movedCustomer([grant("2025-01-01T00:00:00Z", for: "old@example.com")])
    let decision = engine.decide(state, at: "2026-11-27T10:00:00Z")
    #expect(decision.outcome == .forwarded)
    #expect(decision.codes == ["consent_carried_over"])
    #expect(decision.reasons.map(\.effect) == [.note])
    #expect(decision.reasons.first?.message.contains("carries it over") == true)
    // The customer view lists no note as an obstacle.
    let marketing = engine.eligibility(of: state, at: time("2026-11-27T10:00:00Z"))
      .first { $0.category == "marketing" }
    #expect(marketing?.eligibleNow == true)
    #expect(marketing?.reasons.isEmpty == true)
  }

  @Test("consent for the current address holds under either setting, with no note")
  func currentAddressHolds() throws {
    for setting in [false, true] {
      let engine = try engine(coversNewAddress: setting)
      let states = [
        movedCustomer([grant("2025-01-01T00:00:00Z", for: "c1@EXAMPLE.com")]),
        // A new grant after the move counts; the old one is beside the point.
        movedCustomer([
          grant("2024-01-01T00:00:00Z", for: "old@example.com"),
          grant("2026-11-01T00:00:00Z", for: "c1@example.com"),
        ]),
        // Recorded before addresses were: it counts as before.
        movedCustomer([grant("2025-01-01T00:00:00Z", for: nil)]),
      ]
      for state in states {
        let decision = engine.decide(state, at: "2026-11-27T10:00:00Z")
        #expect(decision.outcome == .forwarded)
        #expect(decision.reasons.isEmpty)
      }
    }
  }

  @Test("a customer with no address yet is judged by the recipient")
  func noKnownAddress() throws {
    let engine = try engine(coversNewAddress: nil)
    var state = customer(consents: [grant("2025-01-01T00:00:00Z", for: "ana@example.com")])
    state.email = nil
    var toAna = message()
    toAna.to = "Ana <ana@example.com>"
    #expect(engine.evaluate(toAna, for: state, at: time("2026-11-27T10:00:00Z")).codes == [])
    var toBea = message()
    toBea.to = "bea@example.com"
    #expect(
      engine.evaluate(toBea, for: state, at: time("2026-11-27T10:00:00Z")).codes
        == ["consent_other_address"])
  }

  @Test("tracking consent given for another address does not allow tracking")
  func trackingConsentFollowsTheAddress() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let state = customer(consents: [
      grant("2025-01-01T00:00:00Z", for: "c1@example.com"),
      grant("2025-01-01T00:00:00Z", for: "old@example.com", purpose: "tracking"),
    ])
    let decision = engine.decide(state, at: "2026-11-27T12:00:00Z")
    #expect(decision.outcome == .forwarded)
    #expect(decision.trackingConsent == false)
  }

  @Test("an allowed mismatch is a note on the record, and changes nothing")
  func allowedMismatchIsNoted() throws {
    let yaml = basePolicy.replacingOccurrences(
      of: "transactional: {consent: [], caps: false, quiet_hours: false}",
      with: "transactional: {consent: [], caps: false, quiet_hours: false, address_mismatch: allow}"
    )
    let engine = Engine(policy: try policy(yaml))
    var receipt = message("transactional")
    receipt.to = "checkout@example.org"
    let decision = engine.evaluate(receipt, for: customer(), at: time("2026-11-27T10:00:00Z"))
    #expect(decision.outcome == .forwarded)
    #expect(decision.reasons.map(\.effect) == [.note])
    #expect(decision.codes == ["address_mismatch"])
    var summary = DryRunSummary(policy: engine.policy.reference, campaignId: "c", at: Date())
    summary.add(decision)
    #expect(summary.rules["address"] == .init(noted: 1))
    #expect(summary.reasons.isEmpty)
  }

  @Test("covers_new_address must be true or false, and the error names it")
  func settingChecked() {
    let yaml = basePolicy.replacingOccurrences(
      of: "consent:\n", with: "consent:\n  covers_new_address: sometimes\n")
    let problems = diagnostics(yaml)
    #expect(problems.count == 1)
    #expect(problems.first?.contains("consent.covers_new_address") == true)
    #expect(problems.first?.hasPrefix("test.yaml:3:") == true)
  }

  @Test("a consent's address is validated and kept as its bare address")
  func addressValidated() throws {
    let validator = RecordValidator(policy: try shippedPolicy("default"))
    let now = time("2026-11-27T10:00:00Z")
    let named = try validator.consent(
      grant("2026-11-01T00:00:00Z", for: "Ana <ana@example.com>"), now: now)
    #expect(named.record.address == "ana@example.com")
    #expect(throws: InvalidRecord.self) {
      try validator.consent(grant("2026-11-01T00:00:00Z", for: "a@x.com, b@y.com"), now: now)
    }
    do {
      _ = try validator.consent(grant("2026-11-01T00:00:00Z", for: "nobody"), now: now)
    } catch {
      #expect(error.problems.map(\.field) == ["address"])
    }
  }
}
