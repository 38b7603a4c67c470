import Foundation
import GovernorDelivery
import TestDatabases
import TestPeers
import Testing

/// Two `governor serve` processes on one PostgreSQL of the test's own, under load, while the
/// database is restarted (fast shutdown) and then killed with SIGKILL: the gateways answer
/// 503 with Retry-After while it is gone, recover by themselves when it is back, and what they
/// answered holds.
@Suite("Reliability: a fleet on PostgreSQL survives its database", .serialized)
struct PostgresFleetTests {
  static let storeTimeout = 2.0

  @Test(
    "while PostgreSQL is down, the consent, customer, audit and event routes answer 503 in time")
  func everyRouteBounded() async throws {
    let postgres = try await OwnPostgres.start()
    defer { postgres.destroy() }
    let key = try await ServedGovernor().createKey(postgres.url, scope: "admin")
    let gateway = try await GovernorProcess.start([
      "--store", postgres.url, "--policy", "policies/default.yaml",
      "--store-timeout", String(Self.storeTimeout),
    ])
    let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
    defer { transport.shutdown() }
    func call(_ method: String, _ path: String, _ body: String? = nil) async throws
      -> (status: Int, seconds: Double)
    {
      var headers = [("Authorization", "Bearer \(key)")]
      if body != nil { headers.append(("Content-Type", "application/json")) }
      let started = ContinuousClock.now
      let response = try await transport.send(
        SenderRequest(
          method: method, url: gateway.base + path, headers: headers,
          body: Data((body ?? "").utf8)))
      let elapsed = ContinuousClock.now - started
      return (response.status, Double(elapsed.components.seconds))
    }
    let consent =
      #"{"customer_id":"c1","purpose":"marketing","status":"granted","at":"2026-01-01T00:00:00Z","source":"form"}"#
    do {
      #expect(try await call("POST", "/v1/consents", consent).status == 201)
      try await postgres.kill9()
      let routes: [(String, String, String?)] = [
        ("POST", "/v1/consents", consent),
        ("POST", "/v1/suppressions", #"{"customer_id":"c1","reason":"unsubscribed"}"#),
        ("DELETE", "/v1/suppressions/sup_0123", nil),
        ("GET", "/v1/customers/c1", nil),
        ("GET", "/v1/customers/c1/export", nil),
        ("PUT", "/v1/customers/c1/address", #"{"email":"c1@example.org","source":"test"}"#),
        ("GET", "/v1/decisions", nil),
        ("GET", "/v1/decisions/dec_0123", nil),
        (
          "POST", "/v1/events/sendgrid",
          #"[{"event":"spamreport","email":"c1@example.com","sg_event_id":"e1","timestamp":1794990000}]"#
        ),
      ]
      for (method, path, body) in routes {
        let answer = try await call(method, path, body)
        #expect(answer.status == 503, "\(method) \(path)")
        #expect(answer.seconds <= Self.storeTimeout + 2, "\(method) \(path): \(answer.seconds) s")
      }
      #expect(gateway.process.isRunning)
    } catch {
      try await gateway.stop()
      throw error
    }
    try await gateway.stop()
  }

  @Test(
    "restart and SIGKILL of PostgreSQL under load: 503 meanwhile, recovery, nothing lost or sent twice"
  )
  func restartAndKill() async throws {
    let postgres = try await OwnPostgres.start()
    defer { postgres.destroy() }
    let setup = try await ReliabilitySetup.make(customers: 1_000, store: postgres.url)
    let sink = try FaultSink { _, _ in .answer(status: 202) }
    defer { sink.stop() }
    let arguments = [
      "--store", postgres.url, "--policy", "policies/default.yaml", "--sender",
      "webhook:\(sink.url)/mail", "--store-timeout", String(Self.storeTimeout),
    ]
    let first = try await GovernorProcess.start(arguments)
    let second = try await GovernorProcess.start(arguments)
    let load = LoadRun(
      bases: [first.base, second.base], key: setup.key, customers: setup.customers)
    func phase(_ seconds: Int) async -> (accepted: Int, refused: Int) {
      let before = load.result.statuses
      await load.run(connections: 16, until: ContinuousClock.now + .seconds(seconds))
      let after = load.result.statuses
      return ((after[200] ?? 0) - (before[200] ?? 0), (after[503] ?? 0) - (before[503] ?? 0))
    }
    var phases: [String: (accepted: Int, refused: Int)] = [:]
    do {
      phases["before"] = await phase(2)
      try await postgres.stopFast()
      phases["stopped"] = await phase(3)
      try await postgres.startAgain()
      phases["restarted"] = await phase(4)
      try await postgres.kill9()
      phases["killed"] = await phase(3)
      try await postgres.startAgain()
      phases["recovered"] = await phase(4)
      #expect(first.process.isRunning && second.process.isRunning, "a gateway exited")
    } catch {
      try await first.stop()
      try await second.stop()
      throw error
    }
    try await first.stop()
    try await second.stop()

    let tally = load.result
    print(
      "fleet on PostgreSQL: \(phases.mapValues { "\($0.accepted) accepted, \($0.refused) 503" }), "
        + "slowest answer \(tally.slowest), \(tally.unanswered) unanswered")
    for name in ["before", "restarted", "recovered"] {
      #expect((phases[name]?.accepted ?? 0) > 16, "\(name): \(phases)")
    }
    for name in ["stopped", "killed"] {
      #expect((phases[name]?.refused ?? 0) > 0, "\(name): \(phases)")
    }
    #expect(Set(tally.statuses.keys).isSubset(of: [200, 503]), "\(tally.statuses)")
    #expect(tally.unanswered == 0)
    // Two waits at most (the key, then the decision), each bounded, and the load's own slack.
    #expect(tally.slowest < .seconds(2 * Self.storeTimeout + 2), "\(tally.slowest)")
    #expect(first.process.terminationStatus == 0 && second.process.terminationStatus == 0)
    for gateway in [first, second] {
      #expect(gateway.log.contains("store unavailable; answering 503 with Retry-After"))
      #expect(gateway.log.contains("the store did not answer within 2.0 seconds"))
    }

    let database = RawDatabase.postgres(url: postgres.url)
    let logged = Set(
      (try await database.text("SELECT string_agg(id, ',') FROM decision") ?? "")
        .split(separator: ",").map(String.init))
    let missing = tally.decisionIds.filter { !logged.contains($0) }
    #expect(missing.isEmpty, "answered but not in the audit log: \(missing.prefix(5))")
    let verify = try await GovernorBinary.run("audit", "verify", "--store", postgres.url)
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    // policies/default.yaml: one marketing send per customer per calendar day.
    let overCap = try await database.text(
      """
      SELECT string_agg(customer_id, ',') FROM (SELECT customer_id FROM send_ledger
        WHERE category = 'marketing' AND status <> 'failed'
        GROUP BY customer_id HAVING count(*) > 1) AS over
      """)
    #expect((overCap ?? "").isEmpty, "over the daily cap across the two gateways: \(overCap ?? "")")
    let taken = sink.received.compactMap(\.key)
    let takenTwice = Dictionary(grouping: taken, by: { $0 }).filter { $0.value.count > 1 }
    #expect(takenTwice.isEmpty, "reached the sink twice: \(takenTwice.keys.prefix(5))")
  }
}
