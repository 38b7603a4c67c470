import Foundation
import GovernorCore
import GovernorHTTP
import GovernorService
import GovernorStore
import Testing

/// Provider feedback over real HTTP: SendGrid's event webhook and SES notifications via SNS.
@Suite struct FeedbackRouteTests {
  static let sendGridBatch = """
    [
      {"email":"c1@example.com","event":"bounce","type":"bounce","sg_event_id":"ev-1",
       "timestamp":1794990000,"governor_customer_id":"c1"},
      {"email":"C2@Example.com","event":"spamreport","sg_event_id":"ev-2","timestamp":1794990000},
      {"email":"c2@example.com","event":"delivered","sg_event_id":"ev-3","timestamp":1794990000},
      {"email":"c2@example.com","event":"bounce","type":"blocked","sg_event_id":"ev-4"},
      {"email":"nobody@example.com","event":"unsubscribe","sg_event_id":"ev-5"}
    ]
    """

  static func reasons(_ server: GatewayServer, _ customer: String) async throws -> [String] {
    try await server.store.exportCustomer(customer)?.suppressions.map {
      "\($0.suppression.reason.rawValue)/\($0.suppression.scope)"
    } ?? []
  }

  @Test func sendGridEventsBecomeSuppressionsOnce() async throws {
    try await GatewayServer.with { server in
      let first = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: Self.sendGridBatch)
      #expect(first.status == 200)
      #expect(first.json["suppressed"] as? Int == 2)
      #expect(first.json["ignored"] as? Int == 2)
      #expect(first.json["unknown_recipients"] as? Int == 1)
      #expect(try await Self.reasons(server, "c1") == ["hard_bounce/all"])
      #expect(try await Self.reasons(server, "c2") == ["complaint/all"])

      let replay = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: Self.sendGridBatch)
      #expect(replay.json["suppressed"] as? Int == 0)
      #expect(replay.json["unchanged"] as? Int == 2)
      #expect(try await Self.reasons(server, "c1") == ["hard_bounce/all"])

      let blocked = try await server.call("POST", "/v1/messages", body: GatewayServer.message("m1"))
      #expect(blocked.outcome == "blocked")
    }
  }

  @Test func groupUnsubscribeStopsTheCategoryItCameFrom() async throws {
    try await GatewayServer.with { server in
      let event = """
        [{"email":"c1@example.com","event":"group_unsubscribe","asm_group_id":7,
          "sg_event_id":"g-1","governor_customer_id":"c1","governor_category":"marketing"}]
        """
      let reply = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: event)
      #expect(reply.status == 200)
      let reasons = try await Self.reasons(server, "c1")
      #expect(reasons == ["unsubscribed/marketing"])
    }
  }

  @Test func aMalformedBatchIs400NamesTheEventAndAppliesNothing() async throws {
    try await GatewayServer.with { server in
      let batch = """
        [{"email":"c1@example.com","event":"bounce","sg_event_id":"ok-1"},
         {"event":"spamreport","sg_event_id":"bad-1"}]
        """
      let reply = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: batch)
      #expect(reply.status == 400)
      #expect(reply.contentType == "application/problem+json")
      #expect(reply.problemFields == ["[1].email"])
      #expect(try await Self.reasons(server, "c1").isEmpty)
      let notJSON = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: "{nope")
      #expect(notJSON.status == 400)
    }
  }

  @Test func webhooksNeedTheEventsScopeByBearerOrBasic() async throws {
    try await GatewayServer.with { server in
      #expect(
        try await server.call("POST", "/v1/events/sendgrid", scope: nil, body: "[]").status == 401)
      #expect(
        try await server.call("POST", "/v1/events/sendgrid", scope: "send", body: "[]").status
          == 403)
      let key = try #require(server.keys["events:write"])
      let basic = "Basic " + Data("sns:\(key)".utf8).base64EncodedString()
      let reply = try await server.call(
        "POST", "/v1/events/ses", scope: nil, body: Self.sns(bounce: "Permanent", id: "sns-0"),
        headers: [("Authorization", basic)])
      #expect(reply.status == 200)
    }
  }

  static func sns(bounce type: String, id: String, email: String = "c1@example.com") -> String {
    let message = """
      {"notificationType":"Bounce","bounce":{"bounceType":"\(type)","bounceSubType":"General",\
      "bouncedRecipients":[{"emailAddress":"\(email)"}],"timestamp":"2026-11-18T10:00:00.123Z"},\
      "mail":{"messageId":"0100-abc","destination":["\(email)"],\
      "tags":{"governor_customer_id":["c1"]}}}
      """
    return envelope(type: "Notification", id: id, message: message)
  }

  static func envelope(type: String, id: String, message: String, extra: String = "") -> String {
    // A String always encodes.
    let quoted = String(decoding: (try? JSONEncoder().encode(message)) ?? Data(), as: UTF8.self)
    return """
      {"Type":"\(type)","MessageId":"\(id)","TopicArn":"arn:aws:sns:eu-west-1:1:ses",\
      "Message":\(quoted),"Timestamp":"2026-11-18T10:00:01.000Z"\(extra)}
      """
  }

  @Test func sesPermanentBouncesAndComplaintsSuppressTransientOnesDoNot() async throws {
    try await GatewayServer.with { server in
      let transient = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write",
        body: Self.sns(bounce: "Transient", id: "sns-1"))
      #expect(transient.json["ignored"] as? Int == 1)
      #expect(try await Self.reasons(server, "c1").isEmpty)

      for _ in 0..<2 {
        let reply = try await server.call(
          "POST", "/v1/events/ses", scope: "events:write",
          body: Self.sns(bounce: "Permanent", id: "sns-2"))
        #expect(reply.status == 200)
      }
      #expect(try await Self.reasons(server, "c1") == ["hard_bounce/all"])

      let complaint = """
        {"notificationType":"Complaint","complaint":{"complainedRecipients":\
        [{"emailAddress":"c2@example.com"}],"timestamp":"2026-11-18T10:00:00Z"},\
        "mail":{"messageId":"0100-def","destination":["c2@example.com"]}}
        """
      let reply = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write",
        body: Self.envelope(type: "Notification", id: "sns-3", message: complaint))
      #expect(reply.json["suppressed"] as? Int == 1)
      #expect(try await Self.reasons(server, "c2") == ["complaint/all"])
    }
  }

  @Test func malformedSNSIsRefusedByField() async throws {
    try await GatewayServer.with { server in
      let noRecipients = Self.envelope(
        type: "Notification", id: "sns-9",
        message: #"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent"}}"#)
      let reply = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write", body: noRecipients)
      #expect(reply.status == 400)
      #expect(reply.problemFields == ["Message.bounce.bouncedRecipients"])
      let badType = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write", body: #"{"Type":"Gossip"}"#)
      #expect(badType.problemFields == ["Type"])
    }
  }

  @Test func subscriptionConfirmationsAreFetchedOnlyFromTrustedHosts() async throws {
    let fetched = FetchLog()
    let fetcher = SubscriptionFetcher { url in
      guard SNSSubscription.isTrusted(url, alsoTrusting: []) else { return false }
      await fetched.append(url)
      return true
    }
    try await GatewayServer.with(confirming: fetcher) { server in
      let amazon = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"
      let good = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write",
        body: Self.envelope(
          type: "SubscriptionConfirmation", id: "c-1", message: "confirm",
          extra: #","SubscribeURL":"\#(amazon)","Token":"t""#))
      #expect(good.status == 200)
      let evil = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write",
        body: Self.envelope(
          type: "SubscriptionConfirmation", id: "c-2", message: "confirm",
          extra: #","SubscribeURL":"https://sns.eu-west-1.amazonaws.com.evil.example/x""#))
      #expect(evil.status == 422, "refused as the sender's error, not fetched")
      #expect(await fetched.urls == [amazon])
    }
    #expect(!SNSSubscription.isTrusted("http://sns.eu-west-1.amazonaws.com/", alsoTrusting: []))
    #expect(SNSSubscription.isTrusted("http://127.0.0.1:4566/x", alsoTrusting: ["127.0.0.1:4566"]))
    #expect(!SNSSubscription.isTrusted("http://127.0.0.1:9/x", alsoTrusting: ["127.0.0.1:4566"]))
  }
}

actor FetchLog {
  var urls: [String] = []
  func append(_ url: String) { urls.append(url) }
}

extension FeedbackRouteTests {
  @Test("deliveries, bounces and complaints are counted against the message they name, once")
  func reportsCountedOnce() async throws {
    try await GatewayServer.with { server in
      let sent = try await server.call("POST", "/v1/messages", body: GatewayServer.message("m1"))
      #expect(sent.outcome == "forwarded")
      let events = """
        [{"email":"c1@example.com","event":"delivered","sg_event_id":"d-1",
          "timestamp":1794990000,"governor_message_id":"m1"},
         {"email":"c1@example.com","event":"spamreport","sg_event_id":"d-2",
          "timestamp":1794990000,"governor_message_id":"m1","governor_customer_id":"c1"},
         {"email":"x@example.org","event":"delivered","sg_event_id":"d-3",
          "governor_message_id":"sent-around-the-governor"}]
        """
      let first = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: events)
      #expect(first.status == 200)
      #expect(first.json["counted"] as? Int == 2)
      #expect(first.json["unknown_messages"] as? Int == 1)
      let replay = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write", body: events)
      #expect(replay.json["counted"] as? Int == 0)
      #expect(replay.json["unknown_messages"] as? Int == 0, "a replay is not a new bypass")
      let metrics = try await server.call("GET", "/metrics", scope: "admin")
      #expect(
        metrics.text.contains(#"governor_bypass_events_total{provider="sendgrid"} 1"#),
        "\(metrics.text)")
      let counts = try await server.store.deliveryCounts(since: "2000-01-01")
      #expect(counts.count == 1)
      #expect(counts.first?.delivered == 1 && counts.first?.complained == 1)
      #expect(counts.first?.sendingDomain == "shop.example")
    }
  }

  @Test("an SES Delivery notification counts against the message its header names")
  func sesDeliveryCounted() async throws {
    try await GatewayServer.with { server in
      _ = try await server.call("POST", "/v1/messages", body: GatewayServer.message("m1"))
      let notification = #"""
        {"notificationType":"Delivery",
         "mail":{"messageId":"ses-1","headers":[{"name":"X-Governor-Message-Id","value":"m1"}]},
         "delivery":{"timestamp":"2026-11-20T10:00:01.000Z","recipients":["c1@example.com"]}}
        """#
      let envelope = try JSONSerialization.data(
        withJSONObject: ["Type": "Notification", "MessageId": "sns-1", "Message": notification])
      let reply = try await server.call(
        "POST", "/v1/events/ses", scope: "events:write",
        body: String(decoding: envelope, as: UTF8.self))
      #expect(reply.status == 200, "\(reply.json)")
      #expect(reply.json["counted"] as? Int == 1)
      #expect(try await server.store.deliveryCounts(since: "2000-01-01").first?.delivered == 1)
    }
  }
}

extension FeedbackRouteTests {
  @Test("a provider's opt-out keeps its own time and the time the governor took it")
  func optOutRecordedWhenReceived() async throws {
    try await GatewayServer.with { server in
      let reply = try await server.call(
        "POST", "/v1/events/sendgrid", scope: "events:write",
        body: """
          [{"email":"c1@example.com","event":"unsubscribe","sg_event_id":"u-1",
            "timestamp":1794996400,"governor_customer_id":"c1"}]
          """)
      #expect(reply.status == 200, "\(reply.text)")
      let recordings = try await server.store.optOutRecordings(customerId: "c1")
      #expect(
        recordings == [
          OptOutRecording(
            kind: "unsubscribed", scope: "all", at: Date(timeIntervalSince1970: 1_794_996_400),
            recordedAt: GatewayServer.now)
        ])
    }
  }
}
