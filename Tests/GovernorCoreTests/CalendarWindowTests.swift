import Foundation
import GovernorCore
import Testing

/// Calendar windows follow the recipient's wall clock, including days of 23 and 25 hours.
/// DST in 2026: Europe/Madrid 29 Mar 01:00Z and 25 Oct 01:00Z; America/New_York 8 Mar 07:00Z
/// and 1 Nov 06:00Z.
@Suite("Calendar windows")
struct CalendarWindowTests {
  func engine(_ per: String, weekStarts: String = "monday") throws -> Engine {
    Engine(
      policy: try policy(
        basePolicy + """
          week_starts: \(weekStarts)
          caps:
            - id: one
              max: 1
              per: \(per)
          """))
  }

  let madrid = zone("Europe/Madrid")
  let newYork = zone("America/New_York")

  @Test("Madrid, spring forward: 29 March has 23 hours and ends at 22:00Z")
  func madridSpringDay() throws {
    let engine = try engine("day")
    let sent = customer(zone: madrid, sends: [("2026-03-29T10:00:00Z", "marketing")])
    let late = engine.decide(sent, at: "2026-03-29T21:59:59Z")
    #expect(late.outcome == .blocked)
    #expect(late.notBefore == time("2026-03-29T22:00:00Z"))
    #expect(late.reasons.first?.facts["window_start"] == .time(time("2026-03-28T23:00:00Z")))
    #expect(engine.decide(sent, at: "2026-03-29T22:00:00Z").outcome == .forwarded)
  }

  @Test("Madrid, fall back: 25 October has 25 hours and ends at 23:00Z")
  func madridAutumnDay() throws {
    let engine = try engine("day")
    let sent = customer(zone: madrid, sends: [("2026-10-25T08:00:00Z", "marketing")])
    let late = engine.decide(sent, at: "2026-10-25T22:30:00Z")
    #expect(late.outcome == .blocked)
    #expect(late.notBefore == time("2026-10-25T23:00:00Z"))
    #expect(late.reasons.first?.facts["window_start"] == .time(time("2026-10-24T22:00:00Z")))
    #expect(engine.decide(sent, at: "2026-10-25T23:00:00Z").outcome == .forwarded)
  }

  @Test("a send late in the Madrid evening counts for that local day, not the UTC one")
  func localDayNotUTCDay() throws {
    let engine = try engine("day")
    // 23:30 on 28 March in Madrid is 22:30Z; the next local day starts at 23:00Z.
    let sent = customer(zone: madrid, sends: [("2026-03-28T22:30:00Z", "marketing")])
    #expect(
      engine.decide(sent, at: "2026-03-28T22:59:59Z").notBefore == time("2026-03-28T23:00:00Z"))
    #expect(engine.decide(sent, at: "2026-03-28T23:00:00Z").outcome == .forwarded)
  }

  @Test("New York, spring forward: the week of 2 March ends at Monday 00:00 EDT (04:00Z)")
  func newYorkSpringWeek() throws {
    let engine = try engine("week")
    let sent = customer(zone: newYork, sends: [("2026-03-03T15:00:00Z", "marketing")])
    let sunday = engine.decide(sent, at: "2026-03-09T03:59:59Z")
    #expect(sunday.outcome == .blocked)
    #expect(sunday.notBefore == time("2026-03-09T04:00:00Z"))
    #expect(sunday.reasons.first?.facts["window_start"] == .time(time("2026-03-02T05:00:00Z")))
    #expect(engine.decide(sent, at: "2026-03-09T04:00:00Z").outcome == .forwarded)
  }

  @Test("New York, spring forward: 8 March has 23 hours")
  func newYorkSpringDay() throws {
    let engine = try engine("day")
    let sent = customer(zone: newYork, sends: [("2026-03-08T06:00:00Z", "marketing")])
    #expect(
      engine.decide(sent, at: "2026-03-09T03:59:59Z").notBefore == time("2026-03-09T04:00:00Z"))
  }

  @Test("New York, fall back: November starts at 04:00Z; 1 November has 25 hours")
  func newYorkAutumn() throws {
    let monthly = try engine("month")
    let october = customer(zone: newYork, sends: [("2026-10-31T12:00:00Z", "marketing")])
    let lastSecond = monthly.decide(october, at: "2026-11-01T03:59:59Z")
    #expect(lastSecond.outcome == .blocked)
    #expect(lastSecond.notBefore == time("2026-11-01T04:00:00Z"))
    #expect(monthly.decide(october, at: "2026-11-01T04:00:00Z").outcome == .forwarded)

    let daily = try engine("day")
    let first = customer(zone: newYork, sends: [("2026-11-01T12:00:00Z", "marketing")])
    let evening = daily.decide(first, at: "2026-11-02T04:30:00Z")
    #expect(evening.outcome == .blocked)
    #expect(evening.notBefore == time("2026-11-02T05:00:00Z"))
  }

  @Test("weeks may start on Sunday")
  func sundayWeeks() throws {
    let engine = try engine("week", weekStarts: "sunday")
    let sent = customer(zone: newYork, sends: [("2026-11-16T15:00:00Z", "marketing")])
    // Week of Sunday 15 Nov ends Sunday 22 Nov 00:00 EST = 05:00Z.
    #expect(
      engine.decide(sent, at: "2026-11-21T12:00:00Z").notBefore == time("2026-11-22T05:00:00Z"))
  }

  @Test("a calendar month in Madrid starts at local midnight on the 1st")
  func madridMonth() throws {
    let engine = try engine("month")
    let sent = customer(zone: madrid, sends: [("2026-02-10T10:00:00Z", "marketing")])
    let decision = engine.decide(sent, at: "2026-02-27T10:00:00Z")
    #expect(decision.reasons.first?.facts["window_start"] == .time(time("2026-01-31T23:00:00Z")))
    #expect(decision.notBefore == time("2026-02-28T23:00:00Z"))
  }
}
