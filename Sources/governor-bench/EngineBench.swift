import Foundation
import GovernorCore

// Decisions per second on one core, for policies/default.yaml and a customer with 50 sends
// of history. A plain timed loop: the engine is a pure function, so nothing else (I/O,
// allocation of the inputs) is measured.
func engineBench(policyPath: String, filter: String?) {
  let policy: Policy
  switch PolicyLoader.load(file: policyPath) {
  case .success(let loaded): policy = loaded
  case .failure(let error):
    print(error)
    exit(1)
  }
  let engine = Engine(policy: policy)
  let now = Date(timeIntervalSince1970: 1_795_000_000)  // a weekday, 2026-11-18 UTC

  func customer(sendEverySeconds spacing: Double) -> CustomerState {
    let sends = (1...50).map { index in
      SendRecord(
        at: now.addingTimeInterval(-Double(index) * spacing),
        category: index % 3 == 0 ? "newsletter" : "marketing", campaignId: "c\(index)")
    }
    return CustomerState(
      customerId: "1001", email: "ana@example.com", timeZone: Zone(identifier: "Europe/Madrid"),
      frequencyPreference: FrequencyPreference(max: 5, window: .rolling(seconds: 7 * 86_400)),
      consents: [
        ConsentEvent(
          purpose: "marketing", status: .granted, kind: "express",
          at: now.addingTimeInterval(-400 * 86_400),
          confirmedAt: now.addingTimeInterval(-400 * 86_400), address: "ana@example.com"),
        ConsentEvent(
          purpose: "newsletter", status: .granted, kind: "express",
          at: now.addingTimeInterval(-400 * 86_400),
          confirmedAt: now.addingTimeInterval(-400 * 86_400), address: "ana@example.com"),
      ],
      sends: SendHistory(sends))
  }

  let message = Message(
    id: "bf26-1001", customerId: "1001", to: "ana@example.com", from: "news@shop.example",
    subject: "Black Friday", html: "<p>Hi</p>", category: "marketing", campaignId: "bf26")

  struct Scenario {
    let name: String
    let state: CustomerState
    var engine: Engine
  }
  // A brake in force elsewhere: every decision then looks for brakes on its own From domain
  // and campaign.
  var braked = engine
  if let reputation = policy.reputation {
    braked.reputation = ReputationAssessment(policy: reputation).assess(
      [
        DeliveryCount(
          day: "2026-11-18", sendingDomain: "other.example", campaignId: "spring",
          recipientDomain: "example.com", delivered: 10_000, hardBounced: 0, complained: 15)
      ], at: now)
  }
  let scenarios = [
    Scenario(
      name: "50 sends, one every 6 days: within caps (forwarded)",
      state: customer(sendEverySeconds: 6 * 86_400), engine: engine),
    Scenario(
      name: "50 sends, one every 6 days: forwarded while another domain is throttled",
      state: customer(sendEverySeconds: 6 * 86_400), engine: braked),
    Scenario(
      name: "50 sends, one every 2 days: weekly cap full (blocked)",
      state: customer(sendEverySeconds: 2 * 86_400), engine: engine),
    // A history no policy here would produce (imported from elsewhere): 38 sends in the month
    // window, several caps over, the longest search for the next eligible time.
    Scenario(
      name: "50 sends, one every 20 hours: caps overfull (blocked, stress)",
      state: customer(sendEverySeconds: 20 * 3600), engine: engine),
  ]

  print("policy \(policy.name) \(policy.version)")
  let clock = ContinuousClock()
  for scenario in scenarios where filter.map({ scenario.name.contains($0) }) ?? true {
    let engine = scenario.engine
    let probe = engine.evaluate(message, for: scenario.state, at: now)
    var best = 0.0
    for _ in 0..<5 {
      let iterations = 1_000_000
      var checksum = 0
      let elapsed = clock.measure {
        for index in 0..<iterations {
          let decision = engine.evaluate(
            message, for: scenario.state, at: now.addingTimeInterval(Double(index & 1023)))
          checksum &+= decision.reasons.count
        }
      }
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      best = max(best, Double(iterations) / seconds)
      if checksum == -1 { print("unreachable") }
    }
    let outcome = "\(probe.outcome.rawValue) \(probe.codes)"
    print(
      "\(scenario.name): \(Int(best)) decisions/s (\(String(format: "%.0f", 1e9 / best)) ns each) "
        + "[\(outcome)]")
  }
  fingerprintBench(clock: clock)
  contentBench(clock: clock, now: now)
}

/// What checking the content the law requires adds to a decision: a real campaign mail (HTML
/// and text) decided under us-can-spam.yaml with its `content:` rules and without them. The
/// gateway pays it per message; a dry-run once per campaign.
func contentBench(clock: ContinuousClock, now: Date) {
  guard case .success(let policy) = PolicyLoader.load(file: "policies/us-can-spam.yaml") else {
    return
  }
  var plain = policy
  plain.content = ContentPolicy()
  let (message, bytes) = campaignMail()
  let state = CustomerState(customerId: "1001", email: "ana@example.com")
  func perDecision(_ engine: Engine) -> Double {
    var best = Duration.seconds(1)
    var checksum = 0
    for _ in 0..<5 {
      let iterations = 5_000
      let elapsed = clock.measure {
        for _ in 0..<iterations {
          checksum &+= engine.evaluate(message, for: state, at: now).reasons.count
        }
      }
      best = min(best, elapsed / iterations)
    }
    if checksum == -1 { print("unreachable") }
    return Double(best.components.seconds) * 1e6 + Double(best.components.attoseconds) / 1e12
  }
  let with = perDecision(Engine(policy: policy))
  let without = perDecision(Engine(policy: plain))
  print(
    "content check (us-can-spam, \(bytes) bytes of parts): "
      + "\(String(format: "%.1f", with - without)) µs per message "
      + "(\(String(format: "%.1f", with)) µs a decision with it, "
      + "\(String(format: "%.1f", without)) µs without)")
}

/// What the gateway adds to every message before its write lock to tell a retry from a reused
/// id: the fingerprint of a real campaign mail (5 KB of HTML and its text part).
func fingerprintBench(clock: ContinuousClock) {
  let (message, bytes) = campaignMail()
  var best = Duration.seconds(1)
  var checksum = 0
  for _ in 0..<5 {
    let iterations = 20_000
    let elapsed = clock.measure {
      for _ in 0..<iterations { checksum &+= message.fingerprint.utf8.count }
    }
    best = min(best, elapsed / iterations)
  }
  if checksum == -1 { print("unreachable") }
  let micros =
    Double(best.components.seconds) * 1e6 + Double(best.components.attoseconds) / 1e12
  print("message fingerprint (\(bytes) bytes of parts): \(String(format: "%.1f", micros)) µs")
}

/// A real campaign mail (HTML and its text part) and its size in bytes.
func campaignMail() -> (Message, Int) {
  let html =
    (try? String(contentsOfFile: "fixtures/emails/01-sendgrid-retail.html", encoding: .utf8))
  let text =
    (try? String(contentsOfFile: "fixtures/emails/01-sendgrid-retail.txt", encoding: .utf8))
  let message = Message(
    id: "bf26-1001", customerId: "1001", to: "ana@example.com", from: "news@shop.example",
    subject: "Black Friday", html: html, text: text, category: "marketing", campaignId: "bf26")
  return (message, (html?.utf8.count ?? 0) + (text?.utf8.count ?? 0))
}
