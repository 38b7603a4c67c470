import Foundation
import GovernorCore
import Testing

@Suite("Tracking: the mail sender's own tracking")
struct SenderTrackingTests {
  static let now = "2026-11-18T10:00:00Z"

  static func consents(tracking: Bool) -> [ConsentEvent] {
    let granted = time("2024-01-01T00:00:00Z")
    return (tracking ? ["marketing", "tracking"] : ["marketing"]).map {
      ConsentEvent(
        purpose: $0, status: .granted, kind: "express", at: granted, confirmedAt: granted)
    }
  }

  @Test("without tracking consent the sender is told to add none, and the decision says so")
  func withoutConsent() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let decision = engine.decide(customer(consents: Self.consents(tracking: false)), at: Self.now)
    #expect(decision.outcome == .forwarded)
    #expect(decision.senderTracking == .disabled)
    #expect(
      decision.modifications.filter { $0.kind == "sender_tracking_disabled" } == [
        Modification(kind: "sender_tracking_disabled", detail: "opens, clicks, link_parameters")
      ])
  }

  @Test("with consent the sender is left as the campaign tool set it")
  func withConsent() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let decision = engine.decide(customer(consents: Self.consents(tracking: true)), at: Self.now)
    #expect(decision.outcome == .forwarded)
    #expect(decision.senderTracking == .allowed)
    #expect(!decision.modifications.contains { $0.kind == "sender_tracking_disabled" })
  }

  @Test("the sender may do what the policy's rules allow the message itself, and no more")
  func followsTheRules() throws {
    let engine = Engine(
      policy: try policy(
        basePolicy + """
          tracking:
            without_consent:
              open_pixels: keep
              click_redirects: remove
              url_parameters: keep
          """))
    let decision = engine.decide(customer(), at: Self.now)
    #expect(
      decision.senderTracking == SenderTracking(opens: true, clicks: false, linkParameters: true))
    #expect(
      decision.modifications.last
        == Modification(kind: "sender_tracking_disabled", detail: "clicks"))
  }

  @Test("a client's own off is kept; the governor never turns on what the client turned off")
  func clientOffKept() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    var asked = message("marketing")
    asked.senderTracking = SenderTracking(opens: false, clicks: true, linkParameters: true)
    let withConsent = engine.evaluate(
      asked, for: customer(consents: Self.consents(tracking: true)), at: time(Self.now))
    #expect(
      withConsent.senderTracking
        == SenderTracking(opens: false, clicks: true, linkParameters: true))
    let without = engine.evaluate(
      asked, for: customer(consents: Self.consents(tracking: false)), at: time(Self.now))
    #expect(without.senderTracking == .disabled)
    // The client's choice is part of what the message is: a retry that changes it is another
    // message; one without it fingerprints as before the field existed.
    var other = asked
    other.senderTracking = nil
    #expect(asked.fingerprint != other.fingerprint)
    #expect(other.fingerprint == message("marketing").fingerprint)
  }

  @Test("a message that does not leave tells the sender nothing")
  func blocked() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let decision = engine.decide(customer(consents: []), at: Self.now)
    #expect(decision.outcome == .blocked)
    #expect(decision.modifications.isEmpty)
  }
}
