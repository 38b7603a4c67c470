import Foundation
import GovernorCore
import Testing

@Suite("Rolling windows")
struct RollingWindowTests {
  let engine: Engine

  init() throws {
    engine = Engine(
      policy: try policy(
        basePolicy + """
          caps:
            - id: weekly
              max: 3
              within: 7d
          """))
  }

  let full = customer(sends: [
    ("2026-11-20T10:00:00Z", "marketing"), ("2026-11-22T10:00:00Z", "marketing"),
    ("2026-11-24T10:00:00Z", "newsletter"),
  ])

  @Test("a rolling 7-day cap frees its slot exactly 7 days after the oldest send")
  func slotFreesAtOldestPlusWindow() {
    let before = engine.decide(full, at: "2026-11-27T09:59:59Z")
    #expect(before.outcome == .blocked)
    #expect(before.codes == ["cap_exceeded"])
    #expect(before.notBefore == time("2026-11-27T10:00:00Z"))

    let at = engine.decide(full, at: "2026-11-27T10:00:00Z")
    #expect(at.outcome == .forwarded)
    #expect(at.reasons.isEmpty)
  }

  @Test("the reason shows the sends counted, the window and the next slot")
  func reasonFacts() throws {
    let decision = engine.decide(full, at: "2026-11-25T12:00:00Z")
    let reason = try #require(decision.reasons.first)
    #expect(reason.rule == "caps.weekly")
    #expect(reason.effect == .block)
    #expect(reason.message.hasPrefix("3 of 3 marketing/newsletter sends in the last 7 days"))
    #expect(reason.facts["max"] == .number(3))
    #expect(reason.facts["window"] == .text("7d"))
    #expect(reason.facts["window_start"] == .time(time("2026-11-18T12:00:00Z")))
    #expect(
      reason.facts["send_times"]
        == .times([
          time("2026-11-20T10:00:00Z"), time("2026-11-22T10:00:00Z"), time("2026-11-24T10:00:00Z"),
        ]))
    #expect(reason.facts["next_slot_at"] == .time(time("2026-11-27T10:00:00Z")))
  }

  @Test("with more sends than the cap, the slot opens when enough have left the window")
  func overfullWindow() {
    let overfull = customer(sends: [
      ("2026-11-20T10:00:00Z", "marketing"), ("2026-11-21T10:00:00Z", "marketing"),
      ("2026-11-22T10:00:00Z", "marketing"), ("2026-11-23T10:00:00Z", "marketing"),
    ])
    // 4 sends, room for 3: two must leave before one more may go.
    let decision = engine.decide(overfull, at: "2026-11-24T00:00:00Z")
    #expect(decision.notBefore == time("2026-11-28T10:00:00Z"))
  }

  @Test("sends of categories outside the cap's scope do not count")
  func transactionalNotCounted() {
    let mixed = customer(sends: [
      ("2026-11-20T10:00:00Z", "transactional"), ("2026-11-21T10:00:00Z", "transactional"),
      ("2026-11-22T10:00:00Z", "transactional"), ("2026-11-23T10:00:00Z", "marketing"),
    ])
    #expect(engine.decide(mixed, at: "2026-11-24T00:00:00Z").outcome == .forwarded)
  }

  @Test("caps do not apply to uncapped categories")
  func transactionalNeverCapped() {
    #expect(engine.decide(full, "transactional", at: "2026-11-25T12:00:00Z").outcome == .forwarded)
  }
}

@Suite("Sends stamped after now")
struct FutureStampedSendTests {
  @Test(
    "a send stamped after now (another gateway's clock, or a commit while waiting) still counts")
  func laterSendStillCounts() throws {
    let engine = Engine(
      policy: try policy(basePolicy + "caps:\n  - {id: weekly, max: 1, within: 7d}\n"))
    let state = customer(sends: [("2026-11-26T12:00:02Z", "marketing")])
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    #expect(decision.outcome == .blocked)
    #expect(decision.notBefore == time("2026-12-03T12:00:02Z"))
  }

  @Test("the minimum gap holds around a send stamped after now")
  func gapAroundLaterSend() throws {
    let engine = Engine(policy: try policy(basePolicy + "caps:\n  - {id: gap, min_gap: 1h}\n"))
    let state = customer(sends: [("2026-11-26T12:00:02Z", "marketing")])
    #expect(
      engine.decide(state, at: "2026-11-26T12:00:00Z").notBefore == time("2026-11-26T13:00:02Z"))
  }
}
