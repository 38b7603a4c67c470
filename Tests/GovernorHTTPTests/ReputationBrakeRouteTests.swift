import Foundation
import GovernorCore
import GovernorDelivery
import GovernorService
import ServiceFixtures
import Testing

/// The reputation brake end to end on a controlled clock: real sends through the gateway, the
/// providers' own webhook payloads (SendGrid's event batch, SES notifications through SNS)
/// counted against them, and the decisions that follow.
@Suite struct ReputationBrakeRouteTests {
  static func policy(excludeGmail: Bool = true) throws -> Policy {
    let yaml = """
      name: brake-test
      consent:
        purposes: {marketing: {}}
      categories:
        transactional: {consent: [], caps: false, quiet_hours: false}
        marketing: {consent: [marketing]}
      reputation:
        window: 7d
        min_delivered: 2000
        scope: [sending_domain]
        max_delay: 24h
        complaints:
          steps:
            - {at: 0.3%, action: pause}
          resume: {below: 0.1%, for: 7d}
          denominator_excludes: [\(excludeGmail ? "gmail.com, googlemail.com" : "")]
      """
    return try PolicyLoader.load(Data(yaml.utf8), file: "brake-test.yaml").get()
  }

  /// Sends `count` transactional messages `t-0`… to `r-0@domain`…, 500 to a batch.
  static func sendTransactional(
    _ server: GatewayServer, count: Int, prefix: String = "t", domain: String = "example.com"
  ) async throws {
    for start in stride(from: 0, to: count, by: 500) {
      let items = (start..<min(count, start + 500)).map { index in
        """
        {"id":"\(prefix)-\(index)","customer_id":"r-\(prefix)-\(index)",\
        "to":"r-\(prefix)-\(index)@\(domain)","from":"news@shop.example","subject":"Receipt",\
        "text":"Thanks","category":"transactional"}
        """
      }
      let reply = try await server.call(
        "POST", "/v1/messages/batch", body: #"{"messages":["# + items.joined(separator: ",") + "]}")
      #expect(reply.status == 200, "\(reply.text.prefix(300))")
    }
  }

  /// SendGrid's event webhook: one `delivered` event per message, in batches as SendGrid posts.
  static func sendGridDelivered(
    _ server: GatewayServer, count: Int, prefix: String = "t", domain: String = "example.com"
  ) async throws -> Int {
    var counted = 0
    for start in stride(from: 0, to: count, by: 2_500) {
      let events = (start..<min(count, start + 2_500)).map { index in
        """
        {"email":"r-\(prefix)-\(index)@\(domain)","event":"delivered",\
        "sg_event_id":"dlv-\(prefix)-\(index)","timestamp":1795000000,\
        "governor_message_id":"\(prefix)-\(index)"}
        """
      }
      let reply = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write",
        body: "[" + events.joined(separator: ",") + "]")
      #expect(reply.status == 200, "\(reply.text)")
      counted += reply.json["counted"] as? Int ?? 0
    }
    return counted
  }

  /// An SES complaint notification through SNS, naming the message by the governor's header.
  static func sesComplaint(about index: Int, prefix: String = "t") -> String {
    let message = """
      {"notificationType":"Complaint","complaint":{"complainedRecipients":\
      [{"emailAddress":"r-\(prefix)-\(index)@example.com"}],"timestamp":"2026-11-18T12:00:00.000Z",\
      "feedbackId":"fb-\(index)"},"mail":{"messageId":"ses-\(index)","headers":\
      [{"name":"X-Governor-Message-Id","value":"\(prefix)-\(index)"}]}}
      """
    return FeedbackRouteTests.envelope(
      type: "Notification", id: "sns-complaint-\(prefix)-\(index)", message: message)
  }

  static func complain(_ server: GatewayServer, about indices: Range<Int>) async throws -> Int {
    var counted = 0
    for index in indices {
      let reply = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write", body: sesComplaint(about: index))
      #expect(reply.status == 200, "\(reply.text)")
      counted += reply.json["counted"] as? Int ?? 0
    }
    return counted
  }

  static func marketing(_ id: String) -> String {
    GatewayServer.message(id, customer: "c1", category: "marketing")
  }

  @Test("10,000 deliveries and 29 complaints do not pause; the 30th does, marketing only")
  func pausesAtTheLine() async throws {
    let clock = MovableClock(ServiceFixture.now)
    try await GatewayServer.with(policy: Self.policy(), clock: clock, sender: DiscardingSender()) {
      server in
      try await Self.sendTransactional(server, count: 10_000)
      #expect(try await Self.sendGridDelivered(server, count: 10_000) == 10_000)
      #expect(try await Self.complain(server, about: 0..<29) == 29)
      let before = try await server.call("POST", "/v1/messages", body: Self.marketing("m1"))
      #expect(before.outcome == "forwarded", "\(before.decision)")
      var metrics = try await server.call("GET", "/metrics")
      #expect(
        metrics.text.contains(
          #"governor_reputation_rate_ratio{measure="complaints",sending_domain="shop.example"} 0.0029"#
        ),
        "\(metrics.text)")

      #expect(try await Self.complain(server, about: 29..<30) == 1)
      let paused = try await server.call("POST", "/v1/messages", body: Self.marketing("m2"))
      #expect(paused.outcome == "blocked")
      #expect(paused.codes == ["reputation_paused"])
      let reason = (paused.decision["reasons"] as? [[String: Any]])?.first
      #expect(reason?["rule"] as? String == "reputation.complaints")
      #expect(
        (reason?["message"] as? String)?.hasPrefix(
          "0.3% complaints on shop.example over 7 days ≥ 0.3%: marketing mail is paused") == true,
        "\(reason ?? [:])")
      metrics = try await server.call("GET", "/metrics")
      #expect(
        metrics.text.contains(
          #"governor_reputation_brake{measure="complaints",scope="sending_domain",key="shop.example"} 2.0"#
        ),
        "\(metrics.text)")

      // Compliance sees it on /review: the scope, the rate and what releases it.
      let review = try await server.call("GET", "/review")
      #expect(review.text.contains(#"<table id="brakes">"#))
      #expect(
        review.text.contains(
          "<td>sending domain shop.example</td><td>complaints</td><td>0.3% (30 of 10000)</td>"
            + "<td>paused</td>"), "\(review.text)")
      #expect(review.text.contains("after 7 days below 0.1%; not before 2026-11-26T00:00:00Z"))
      // The change is in the brake log, once, and listed there.
      #expect(try await server.store.brakeChanges(since: .distantPast).map(\.to) == ["pause"])
      #expect(
        review.text.contains(
          "complaints on sending domain shop.example: none → pause at 0.3% (30 of 10000) ≥ 0.3%"))
      #expect(
        metrics.text.contains(
          #"governor_reputation_brake_changes_total{measure="complaints",to="pause"} 1"#))

      // Transactional mail is never braked unless the policy says so.
      let receipt = try await server.call(
        "POST", "/v1/messages",
        body: GatewayServer.message("receipt-1", customer: "c1", category: "transactional"))
      #expect(receipt.outcome == "forwarded")

      // A replayed batch changes nothing: not the counts, not the brake.
      let countsBefore = try await server.store.deliveryCounts(since: "2000-01-01")
      #expect(try await Self.complain(server, about: 0..<30) == 0)
      #expect(try await server.store.deliveryCounts(since: "2000-01-01") == countsBefore)
      #expect(server.gateway.reputation.book.brakes.count == 1)
    }
  }

  @Test("a paused domain resumes after the days below the line, not before")
  func resumesOnlyAfterTheDays() async throws {
    let clock = MovableClock(ServiceFixture.now)  // 2026-11-18
    try await GatewayServer.with(policy: Self.policy(), clock: clock, sender: DiscardingSender()) {
      server in
      try await Self.sendTransactional(server, count: 3_000)
      _ = try await Self.sendGridDelivered(server, count: 3_000)
      _ = try await Self.complain(server, about: 0..<10)
      #expect(server.gateway.reputation.book.brakes.first?.engaged?.step.action == .pause)
      // Paused on the 18th; the 19th to the 25th are seven days with no complaint.
      clock.set(time("2026-11-25T23:59:00Z"))
      try await server.gateway.refreshReputation()
      let early = try await server.call("POST", "/v1/messages", body: Self.marketing("early"))
      #expect(early.codes == ["reputation_paused"])
      clock.set(time("2026-11-26T00:00:00Z"))
      try await server.gateway.refreshReputation()
      let resumed = try await server.call("POST", "/v1/messages", body: Self.marketing("resumed"))
      #expect(resumed.outcome == "forwarded", "\(resumed.decision)")
      #expect(
        try await server.store.brakeChanges(since: .distantPast).map { "\($0.from) → \($0.to)" }
          == ["pause → none", "none → pause"])
      #expect(try await server.store.verifyBrakeLog().rows == 2)
    }
  }

  @Test("gmail.com deliveries do not dilute the complaint rate when excluded")
  func gmailDoesNotDilute() async throws {
    for exclude in [true, false] {
      try await GatewayServer.with(
        policy: Self.policy(excludeGmail: exclude), sender: DiscardingSender()
      ) { server in
        try await Self.sendTransactional(server, count: 2_000)
        _ = try await Self.sendGridDelivered(server, count: 2_000)
        try await Self.sendTransactional(server, count: 3_000, prefix: "g", domain: "gmail.com")
        _ = try await Self.sendGridDelivered(server, count: 3_000, prefix: "g", domain: "gmail.com")
        _ = try await Self.complain(server, about: 0..<6)
        let decision = try await server.call("POST", "/v1/messages", body: Self.marketing("m1"))
        // 6 of 2,000 is 0.3%; of 5,000 it is 0.12%.
        #expect(decision.outcome == (exclude ? "blocked" : "forwarded"), "\(decision.decision)")
      }
    }
  }
}

/// Takes every message and sends nothing: the brake tests need thousands of sends, not files.
struct DiscardingSender: MailSender {
  var description: String { "discard" }
  func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult {
    .delivered(reference: "discarded-\(message.id)", attempts: 1)
  }
}

func time(_ text: String) -> Date {
  (try? Date(text, strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0)
}
