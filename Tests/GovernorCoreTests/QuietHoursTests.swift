import Foundation
import GovernorCore
import Testing

@Suite("Quiet hours")
struct QuietHoursTests {
  let engine: Engine
  let madrid = zone("Europe/Madrid")

  init() throws {
    engine = Engine(policy: try shippedPolicy("default"))
  }

  @Test("quiet hours cross midnight: 22:30 in Madrid defers to 08:00 the next morning")
  func crossesMidnight() throws {
    let decision = engine.decide(customer(zone: madrid), at: "2026-11-27T21:30:00Z")
    #expect(decision.outcome == .deferred)
    #expect(decision.notBefore == time("2026-11-28T07:00:00Z"))
    let reason = try #require(decision.reasons.first)
    #expect(reason.rule == "quiet_hours")
    #expect(reason.effect == .defer)
    #expect(reason.facts["local_time"] == .text("2026-11-27T22:30:00"))
    #expect(reason.facts["time_zone"] == .text("Europe/Madrid"))
  }

  @Test("the edges: 21:00 is quiet, 20:59:59 is not; 07:59:59 is quiet, 08:00 is not")
  func edges() {
    let ana = customer(zone: madrid)
    #expect(engine.decide(ana, at: "2026-11-27T19:59:59Z").outcome == .forwarded)
    #expect(engine.decide(ana, at: "2026-11-27T20:00:00Z").outcome == .deferred)
    #expect(
      engine.decide(ana, at: "2026-11-28T06:59:59Z").notBefore == time("2026-11-28T07:00:00Z"))
    #expect(engine.decide(ana, at: "2026-11-28T07:00:00Z").outcome == .forwarded)
  }

  @Test("a customer with no time zone is in the policy's default (UTC)")
  func defaultZone() {
    let decision = engine.decide(customer(zone: nil), at: "2026-11-27T22:00:00Z")
    #expect(decision.outcome == .deferred)
    #expect(decision.notBefore == time("2026-11-28T08:00:00Z"))
    #expect(decision.reasons.first?.facts["time_zone"] == .text("UTC"))
  }

  @Test("quiet hours end at 08:00 local time on the morning clocks spring forward")
  func acrossSpringForward() {
    let decision = engine.decide(customer(zone: madrid), at: "2026-03-28T22:00:00Z")
    #expect(decision.notBefore == time("2026-03-29T06:00:00Z"))
  }

  @Test("transactional mail ignores quiet hours")
  func transactionalIgnoresQuietHours() {
    let decision = engine.decide(
      customer(zone: madrid), "transactional", at: "2026-11-27T23:00:00Z")
    #expect(decision.outcome == .forwarded)
  }

  @Test("a wait longer than max_delay blocks instead of deferring")
  func maxDelayBlocks() throws {
    // Arrived 25 hours before the night ends: the default allows 24 hours.
    let decision = engine.evaluate(
      message(receivedAt: time("2026-11-27T06:00:00Z")), for: customer(zone: madrid),
      at: time("2026-11-27T21:30:00Z"))
    #expect(decision.outcome == .blocked)
    #expect(decision.notBefore == time("2026-11-28T07:00:00Z"))
    let reason = try #require(decision.reasons.first)
    #expect(reason.effect == .block)
    #expect(reason.facts["max_delay"] == .text("1d"))
    #expect(reason.message.hasSuffix("the longest delay of 1 day, so the message is blocked"))
  }

  @Test("action: block blocks during quiet hours and names when they end")
  func blockAction() throws {
    let engine = Engine(
      policy: try policy(
        basePolicy + "quiet_hours: {start: \"22:00\", end: \"07:00\", action: block}\n"))
    let decision = engine.decide(customer(), at: "2026-11-27T23:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.notBefore == time("2026-11-28T07:00:00Z"))
  }

  @Test("quiet hours that do not cross midnight")
  func daytimeQuietHours() throws {
    let engine = Engine(
      policy: try policy(
        basePolicy + "quiet_hours: {start: \"12:00\", end: \"14:00\", action: block}\n"))
    #expect(engine.decide(customer(), at: "2026-11-27T11:59:59Z").outcome == .forwarded)
    #expect(
      engine.decide(customer(), at: "2026-11-27T13:00:00Z").notBefore
        == time("2026-11-27T14:00:00Z"))
    #expect(engine.decide(customer(), at: "2026-11-27T14:00:00Z").outcome == .forwarded)
  }
}
