import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// The whole product as it runs: the real `governor serve` binary forwarding to a real HTTP
/// sink on loopback, fed 200 messages for 20 customers over HTTP.
@Suite("Gateway end to end")
struct GatewayEndToEndTests {
  let server = ServedGovernor()

  /// c00–c13 consented; c14–c16 consented then unsubscribed; c17–c19 never consented.
  static let customers = (0..<20).map { String(format: "c%02d", $0) }
  static func consented(_ index: Int) -> Bool { index < 17 }
  static func unsubscribed(_ index: Int) -> Bool { (14..<17).contains(index) }

  static func message(_ number: Int) -> (id: String, customer: String, json: String) {
    // Round robin, so every customer's cap fills up while the others are being sent to.
    let customer = customers[number % 20]
    let id = "e2e-\(number)"
    let json = """
      {"id":"\(id)","customer_id":"\(customer)","to":"\(customer)@example.com",\
      "from":"news@shop.example","subject":"Offer \(number)","text":"Hello",\
      "category":"marketing","campaign_id":"winter"}
      """
    return (id, customer, json)
  }

  func outcome(_ answer: [String: Any]) -> String? {
    ((answer["record"] as? [String: Any])?["decision"] as? [String: Any])?["outcome"] as? String
  }

  @Test(
    "200 messages for 20 customers: caps, unsubscribes and missing consent hold; the sink gets each allowed message once"
  )
  func twoHundredMessages() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("e2e-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let policyPath = GovernorBinary.repositoryRoot.appendingPathComponent(
      "fixtures/policies/gateway-e2e.yaml"
    ).path
    let store = folder + "/governor.sqlite"
    let admin = try await server.createKey(store, scope: "admin")

    try await LoopbackSink.with { sinkURL, sink in
      let (status, _) = try await server.withServer([
        "--store", store, "--policy", policyPath, "--sender", "webhook:\(sinkURL)/mail",
      ]) { base, transport in
        for (index, customer) in Self.customers.enumerated() where Self.consented(index) {
          let consent = #"""
            {"customer_id":"\#(customer)","purpose":"marketing","status":"granted",
             "at":"2026-01-01T00:00:00Z","source":"signup form"}
            """#
          #expect(
            try await server.post(transport, base + "/v1/consents", consent, key: admin).0 == 201)
          if Self.unsubscribed(index) {
            let unsubscribe = #"{"customer_id":"\#(customer)","reason":"unsubscribed"}"#
            #expect(
              try await server.post(transport, base + "/v1/suppressions", unsubscribe, key: admin).0
                == 201)
          }
        }

        // Eight clients at once, as a campaign tool would send.
        let outcomes = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
          var outcomes: [Int: String?] = [:]
          var next = 0
          func start() {
            guard next < 200 else { return }
            let number = next
            next += 1
            group.addTask {
              let (code, answer) = try await server.post(
                transport, base + "/v1/messages", Self.message(number).json, key: admin)
              #expect(code == 200)
              return (number, outcome(answer))
            }
          }
          for _ in 0..<8 { start() }
          while let (number, outcome) = try await group.next() {
            outcomes[number] = outcome
            start()
          }
          return outcomes
        }
        let forwarded = outcomes.filter { $0.value == "forwarded" }.map(\.key)
        let byCustomer = Dictionary(grouping: forwarded) { Self.message($0).customer }
        // Exactly 3 for each of the 14 who may be mailed, none for the other 6.
        #expect(forwarded.count == 42)
        #expect(byCustomer.count == 14)
        #expect(byCustomer.values.allSatisfy { $0.count == 3 })
        #expect(outcomes.values.filter { $0 == "blocked" }.count == 158)

        // Repeats are answered from the log and never sent again.
        for number in 0..<20 {
          let (_, answer) = try await server.post(
            transport, base + "/v1/messages", Self.message(number).json, key: admin)
          #expect(answer["repeated"] as? Bool == true)
        }

        let (_, capped) = try await server.get(transport, base + "/v1/customers/c00", key: admin)
        #expect((capped["recent_sends"] as? [Any])?.count == 3)
        let marketing = (capped["eligibility"] as? [[String: Any]])?.first {
          $0["category"] as? String == "marketing"
        }
        #expect(marketing?["eligible_now"] as? Bool == false)
        #expect(marketing?["next_eligible_at"] is String)

        let (_, unsubscribed) = try await server.get(
          transport, base + "/v1/customers/c15", key: admin)
        #expect((unsubscribed["suppressions"] as? [Any])?.count == 1)
        #expect((unsubscribed["recent_sends"] as? [Any])?.isEmpty == true)

        let (_, blockedForConsent) = try await server.get(
          transport, base + "/v1/decisions?customer=c18&limit=500", key: admin)
        let rows = blockedForConsent["decisions"] as? [[String: Any]] ?? []
        #expect(rows.count == 10)
        #expect(rows.allSatisfy { ($0["rules"] as? [String]) == ["consent.marketing"] })
        let (_, unsubscribedRows) = try await server.get(
          transport, base + "/v1/decisions?customer=c15&limit=500", key: admin)
        let unsubscribedRules = (unsubscribedRows["decisions"] as? [[String: Any]] ?? [])
          .compactMap { ($0["rules"] as? [String])?.first }
        #expect(unsubscribedRules.count == 10)
        #expect(unsubscribedRules.allSatisfy { $0.hasPrefix("suppression") })
      }
      #expect(status == 0)

      let received = await sink.received
      #expect(received.count == 42)
      let keys = received.compactMap { $0.headers["idempotency-key"] }
      #expect(Set(keys).count == 42)
      #expect(received.allSatisfy { $0.path == "/mail" })
    }

    let verify = try await GovernorBinary.run("audit", "verify", "--store", store)
    #expect(verify.status == 0)
    #expect(verify.stdoutLines == ["audit log intact: 200 decisions"])
    let review = try await GovernorBinary.run("ledger", "review", "--store", store)
    #expect(review.status == 0)
  }
}
