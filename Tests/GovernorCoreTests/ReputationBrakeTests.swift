import Foundation
import GovernorCore
import Testing

@Suite("The reputation brake")
struct ReputationBrakeTests {
  static let brakePolicy =
    basePolicy + """
      reputation:
        window: 7d
        min_delivered: 2000
        scope: [sending_domain, campaign]
        max_delay: 24h
        complaints:
          steps:
            - {at: 0.1%, action: throttle, keep: 50%}
            - {at: 0.3%, action: pause}
          resume: {below: 0.1%, for: 7d}
          denominator_excludes: [gmail.com, googlemail.com]
        hard_bounces:
          steps:
            - {at: 5%, action: pause}
          resume: {below: 2%, for: 7d}
      """

  static func counts(
    _ day: String, delivered: Int, complained: Int = 0, hardBounced: Int = 0,
    to recipientDomain: String = "example.com", campaign: String = "bf26",
    from domain: String = "news.shop.example"
  ) -> DeliveryCount {
    DeliveryCount(
      day: day, sendingDomain: domain, campaignId: campaign, recipientDomain: recipientDomain,
      delivered: delivered, hardBounced: hardBounced, complained: complained)
  }

  static func brake(
    _ book: ReputationBook, _ measure: ReputationPolicy.Measure = .complaints,
    scope: ReputationPolicy.Scope = .sendingDomain
  ) -> ReputationPolicy.Action? {
    book.states.first { $0.measure == measure && $0.scope == scope }?.engaged?.step.action
  }

  func assessment() throws -> ReputationAssessment {
    try ReputationAssessment(policy: #require(policy(Self.brakePolicy).reputation))
  }

  @Test("10,000 deliveries and 29 complaints throttle but do not pause; 30 pause")
  func pauseLineIsExact() throws {
    let assessment = try assessment()
    let now = time("2026-12-07T12:00:00Z")
    let below = assessment.assess(
      [Self.counts("2026-12-07", delivered: 10_000, complained: 29)], at: now)
    #expect(Self.brake(below) == .throttle(keep: Rate(perMillion: 500_000)))
    let at = assessment.assess(
      [Self.counts("2026-12-07", delivered: 10_000, complained: 30)], at: now)
    #expect(Self.brake(at) == .pause)
    let state = try #require(at.states.first { $0.scope == .sendingDomain })
    #expect(state.phrase == "0.3% complaints on news.shop.example over 7 days")
    #expect(state.count == 30 && state.base == 10_000 && state.hasVerdict)
  }

  @Test("below the minimum volume there is no verdict, whatever the rate")
  func noVerdictOnSmallNumbers() throws {
    let book = try assessment().assess(
      [Self.counts("2026-12-07", delivered: 1_999, complained: 50)],
      at: time("2026-12-07T12:00:00Z"))
    #expect(Self.brake(book) == nil)
    #expect(book.states.first?.hasVerdict == false)
  }

  @Test("gmail.com deliveries do not dilute the complaint rate when excluded; they do otherwise")
  func excludedDomainsLeaveTheBase() throws {
    let rows = [
      Self.counts("2026-12-07", delivered: 10_000, complained: 30),
      Self.counts("2026-12-07", delivered: 20_000, to: "gmail.com"),
    ]
    let now = time("2026-12-07T12:00:00Z")
    let excluded = try assessment().assess(rows, at: now)
    #expect(Self.brake(excluded) == .pause)
    #expect(excluded.states.first?.base == 10_000)
    let diluting = try policy(
      Self.brakePolicy.replacingOccurrences(
        of: "denominator_excludes: [gmail.com, googlemail.com]", with: "denominator_excludes: []"))
    let counted = try ReputationAssessment(policy: #require(diluting.reputation)).assess(
      rows, at: now)
    #expect(Self.brake(counted) == .throttle(keep: Rate(perMillion: 500_000)))
    #expect(counted.states.first?.base == 30_000)
  }

  @Test("hard bounces are measured over delivery attempts")
  func hardBounceRate() throws {
    let book = try assessment().assess(
      [Self.counts("2026-12-07", delivered: 1_900, hardBounced: 100)],
      at: time("2026-12-07T12:00:00Z"))
    #expect(Self.brake(book, .hardBounces) == .pause)
    #expect(Self.brake(book, .complaints) == nil)
  }

  @Test("a pause holds until 7 days of sending below the resume line, not a day sooner")
  func resumesAfterTheConfiguredDays() throws {
    let assessment = try assessment()
    var rows = [Self.counts("2026-12-01", delivered: 10_000, complained: 40)]
    for day in 2...9 {
      rows.append(Self.counts(String(format: "2026-12-%02d", day), delivered: 10_000))
    }
    // Paused on the 1st; the 2nd to the 8th are 7 clean days: released when the 9th starts.
    #expect(Self.brake(assessment.assess(rows, at: time("2026-12-08T23:59:59Z"))) == .pause)
    let released = assessment.assess(rows, at: time("2026-12-09T00:00:00Z"))
    #expect(Self.brake(released) == nil)
    let paused = assessment.assess(rows, at: time("2026-12-05T12:00:00Z"))
    let brake = try #require(paused.states.first { $0.scope == .sendingDomain }?.engaged)
    #expect(brake.releasableAt == time("2026-12-09T00:00:00Z"))
    #expect(brake.engagedOn.description == "2026-12-01")

    // A day over the resume line on the way starts the count again.
    rows.append(Self.counts("2026-12-05", delivered: 1_000, complained: 20, campaign: "other"))
    #expect(Self.brake(assessment.assess(rows, at: time("2026-12-09T00:00:00Z"))) == .pause)
    #expect(Self.brake(assessment.assess(rows, at: time("2026-12-13T00:00:00Z"))) == nil)
  }

  @Test(
    "with no mail after it, a pause ends after the resume days, though the window still holds its day"
  )
  func quietDaysRelease() throws {
    let assessment = try assessment()
    let rows = [Self.counts("2026-12-01", delivered: 10_000, complained: 40)]
    #expect(Self.brake(assessment.assess(rows, at: time("2026-12-08T23:59:59Z"))) == .pause)
    #expect(Self.brake(assessment.assess(rows, at: time("2026-12-09T00:00:00Z"))) == nil)
  }

  @Test("the book is a function of the counts and the day: their order changes nothing")
  func deterministic() throws {
    let assessment = try assessment()
    let rows = (1...7).map {
      Self.counts(
        String(format: "2026-12-%02d", $0), delivered: 1_000 * $0, complained: $0,
        campaign: "c\($0 % 3)")
    }
    let now = time("2026-12-07T18:00:00Z")
    #expect(assessment.assess(rows, at: now) == assessment.assess(rows.reversed(), at: now))
  }

  // MARK: The engine

  func engine(_ book: [DeliveryCount], at now: Date, policyText: String = brakePolicy) throws
    -> Engine
  {
    let policy = try policy(policyText)
    var engine = Engine(policy: policy)
    engine.reputation = try ReputationAssessment(policy: #require(policy.reputation)).assess(
      book, at: now)
    return engine
  }

  static func mail(
    _ category: String, customer: String = "c1", campaign: String? = "bf26",
    from: String = "News <news@news.shop.example>", at: Date
  ) -> Message {
    Message(
      id: "m-\(customer)", customerId: customer, to: "\(customer)@example.com", from: from,
      subject: "Hi", text: "Hi", category: category, campaignId: campaign, receivedAt: at)
  }

  @Test("a pause holds marketing with the rate, the line and the scope; transactional goes")
  func pauseHoldsMarketingOnly() throws {
    let now = time("2026-12-07T12:00:00Z")
    let engine = try engine([Self.counts("2026-12-07", delivered: 10_000, complained: 31)], at: now)
    let held = engine.evaluate(Self.mail("marketing", at: now), for: customer(), at: now)
    // The pause cannot lift before 7 clean days: more than max_delay, so it blocks.
    #expect(held.outcome == .blocked)
    let reason = try #require(held.reasons.first { $0.rule == "reputation.complaints" })
    #expect(reason.code == "reputation_paused")
    #expect(
      reason.message.hasPrefix(
        "0.31% complaints on news.shop.example over 7 days ≥ 0.3%: marketing/newsletter mail is "
          + "paused until the daily rate has been below 0.1% for 7 days of sending"))
    #expect(reason.facts["scope"] == .text("sending_domain"))
    #expect(reason.facts["threshold"] == .text("0.3%"))
    #expect(reason.facts["count"] == .number(31))
    // Both scopes measured it: both say so.
    #expect(held.reasons.filter { $0.rule == "reputation.complaints" }.count == 2)
    #expect(held.notBefore == time("2026-12-15T00:00:00Z"))

    let receipt = engine.evaluate(Self.mail("transactional", at: now), for: customer(), at: now)
    #expect(receipt.outcome == .forwarded)
    #expect(receipt.reasons.isEmpty)
    // Another sending domain and campaign are not braked.
    let other = engine.evaluate(
      Self.mail("marketing", campaign: "xmas", from: "a@other.example", at: now),
      for: customer(), at: now)
    #expect(other.outcome == .forwarded)
  }

  @Test("a campaign's own rate brakes that campaign only")
  func campaignScope() throws {
    let now = time("2026-12-07T12:00:00Z")
    let engine = try engine(
      [
        Self.counts("2026-12-07", delivered: 3_000, complained: 10, campaign: "bad"),
        Self.counts("2026-12-07", delivered: 30_000, campaign: "good"),
      ], at: now)
    let bad = engine.evaluate(
      Self.mail("marketing", campaign: "bad", at: now), for: customer(), at: now)
    #expect(bad.outcome == .blocked)
    #expect(bad.reasons.map(\.rule) == ["reputation.complaints"])
    #expect(bad.reasons.first?.facts["key"] == .text("bad"))
    let good = engine.evaluate(
      Self.mail("marketing", campaign: "good", at: now), for: customer(), at: now)
    #expect(good.outcome == .forwarded)
  }

  @Test("a throttle holds the same customers on every evaluation, about half, until the next day")
  func throttleIsDeterministicPerCustomer() throws {
    let now = time("2026-12-07T12:00:00Z")
    let rows = [Self.counts("2026-12-07", delivered: 10_000, complained: 15)]
    let engine = try engine(rows, at: now)
    let again = try self.engine(rows, at: now)
    var held: Set<String> = []
    for index in 0..<1_000 {
      let id = "cust-\(index)"
      let decision = engine.evaluate(
        Self.mail("marketing", customer: id, at: now), for: customer(id), at: now)
      let repeated = again.evaluate(
        Self.mail("marketing", customer: id, at: now), for: customer(id), at: now)
      #expect(decision.outcome == repeated.outcome)
      if decision.outcome == .deferred {
        held.insert(id)
        #expect(decision.notBefore == time("2026-12-08T00:00:00Z"))
        #expect(decision.reasons.first?.code == "reputation_throttled")
      } else {
        #expect(decision.outcome == .forwarded)
      }
    }
    #expect((430...570).contains(held.count))
    // The next day holds another share.
    let tomorrow = time("2026-12-08T09:00:00Z")
    let nextDay = try self.engine(rows, at: tomorrow)
    let heldTomorrow = Set(
      (0..<1_000).map { "cust-\($0)" }.filter {
        nextDay.evaluate(
          Self.mail("marketing", customer: $0, at: tomorrow), for: customer($0), at: tomorrow
        )
        .outcome == .deferred
      })
    #expect(heldTomorrow != held)
  }

  @Test("in shadow mode a brake is reported and the message goes")
  func shadowMode() throws {
    let now = time("2026-12-07T12:00:00Z")
    let engine = try engine(
      [Self.counts("2026-12-07", delivered: 10_000, complained: 31)], at: now,
      policyText: Self.brakePolicy.replacingOccurrences(
        of: "max_delay: 24h", with: "max_delay: 24h\n  shadow: true"))
    let decision = engine.evaluate(Self.mail("marketing", at: now), for: customer(), at: now)
    #expect(decision.outcome == .forwarded)
    #expect(decision.reasons.map(\.effect) == [.shadow, .shadow])
  }

  @Test("the shipped default brakes at the providers' lines")
  func shippedDefault() throws {
    let reputation = try #require(shippedPolicy("default").reputation)
    #expect(reputation.minDelivered <= 2_000)
    let complaints = try #require(reputation.signals.first { $0.measure == .complaints })
    #expect(complaints.steps.map(\.at) == [Rate(percent: "0.1%"), Rate(percent: "0.3%")])
    #expect(complaints.steps.last?.action == .pause)
    #expect(complaints.baseExcludes.contains("gmail.com"))
    #expect(!complaints.steps.contains { $0.categories.contains("transactional") })
    let bounces = try #require(reputation.signals.first { $0.measure == .hardBounces })
    #expect(bounces.steps.map(\.at) == [Rate(percent: "5%")])
  }

  @Test("percentages are exact and print as written")
  func rates() {
    #expect(Rate(percent: "0.3%")?.perMillion == 3_000)
    #expect(Rate(percent: "0.08%")?.perMillion == 800)
    #expect(Rate(percent: "50%")?.perMillion == 500_000)
    #expect(Rate(percent: "0.0001%")?.perMillion == 1)
    #expect(Rate(percent: "0.3") == nil)
    #expect(Rate(percent: "101%") == nil)
    #expect(Rate(percent: "0.00001%") == nil)
    #expect(Rate(perMillion: 3_100).description == "0.31%")
    #expect(Rate(perMillion: 500_000).description == "50%")
    #expect(Rate.measured(29, of: 10_000).description == "0.29%")
  }

  @Test("mistakes in the reputation section are located and named")
  func diagnosticsNameTheField() {
    let problems = diagnostics(
      basePolicy + """
        reputation:
          window: 36h
          scope: [sending_domain, campain]
          complaints:
            steps:
              - {at: 0.3, action: pause}
              - {at: 0.1%, action: throttle}
            resume: {below: 0.5%}
          hard_bounces:
            steps:
              - {at: 5%, action: stop}
        """)
    #expect(
      problems == [
        "test.yaml:11:11: reputation.window must be whole days between 1d and 90d (rates are "
          + "counted per day of sending), not 1d12h",
        "test.yaml:12:27: reputation.scope may hold sending_domain and campaign, not 'campain'; "
          + "did you mean 'campaign'?",
        "test.yaml:15:14: reputation.complaints.steps[0].at '0.3' is not a percentage; write one "
          + "such as 0.3% or 50% (at most four decimals, at most 100%)",
        "test.yaml:16:20: reputation.complaints.steps[1] throttles, so it needs 'keep': the share "
          + "of customers still mailed, e.g. 50%",
        "test.yaml:20:26: reputation.hard_bounces.steps[0].action must be throttle or pause, not "
          + "'stop'",
      ])
    let released = diagnostics(
      basePolicy + """
        reputation:
          complaints:
            steps:
              - {at: 0.1%, action: throttle, keep: 50%}
              - {at: 0.2%, action: throttle, keep: 60%}
            resume: {below: 0.5%}
        """)
    #expect(
      released == [
        "test.yaml:14:9: reputation.complaints.steps[1] brakes no harder than the step before "
          + "it: a higher rate needs a smaller share kept, or a pause",
        "test.yaml:15:21: reputation.complaints.resume.below (0.5%) is above the lowest step "
          + "(0.1%): a brake would be released while its own rate still holds it",
      ])
  }
}
