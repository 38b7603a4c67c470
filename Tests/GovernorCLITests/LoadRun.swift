import Foundation
import GovernorDelivery
import Synchronization

/// Many campaign-tool clients at once against a running gateway: each a loop of
/// `POST /v1/messages` with a new message id, spread over the customers, four in five of them
/// marketing (capped), one in five transactional. The base URL is read per request, so the
/// gateway may be killed and started again elsewhere mid-run; given several (a fleet), the
/// requests take turns.
final class LoadRun: Sendable {
  struct Sent: Sendable {
    var customer: String
    var category: String
  }

  struct Tally: Sendable {
    var statuses: [Int: Int] = [:]
    /// Requests that got no HTTP answer (the gateway was killed under them).
    var unanswered = 0
    /// Decision ids from 2xx answers: each must be in the audit log.
    var decisionIds: [String] = []
    /// Every message id sent, with whom it was for.
    var messages: [String: Sent] = [:]
    /// The longest any request waited for its answer (or for its failure).
    var slowest = Duration.zero

    var serverErrors: Int { statuses.filter { $0.key >= 500 }.values.reduce(0, +) }
    var answered: Int { statuses.values.reduce(0, +) }
  }

  let customers: Int
  let key: String
  private let bases: Mutex<[String]>
  private let tally = Mutex(Tally())
  private let counter = Atomic<Int>(0)

  convenience init(base: String, key: String, customers: Int) {
    self.init(bases: [base], key: key, customers: customers)
  }

  init(bases: [String], key: String, customers: Int) {
    self.bases = Mutex(bases)
    self.key = key
    self.customers = customers
  }

  var result: Tally { tally.withLock { $0 } }

  func moveTo(_ newBase: String) { bases.withLock { $0 = [newBase] } }

  /// Runs `connections` clients until `deadline`, each sending at least `least` requests:
  /// on a busy test machine the clients may start late, and a run that sent nothing would
  /// prove nothing.
  func run(connections: Int, until deadline: ContinuousClock.Instant, least: Int = 3) async {
    let transport = CurlTransport(
      configuration: .init(connectTimeout: 2, totalTimeout: 30, maxConcurrent: connections))
    defer { transport.shutdown() }
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<connections {
        group.addTask {
          var sent = 0
          while ContinuousClock.now < deadline || sent < least {
            await self.sendOne(transport)
            sent += 1
          }
        }
      }
    }
  }

  private func sendOne(_ transport: CurlTransport) async {
    let number = counter.add(1, ordering: .relaxed).newValue
    let customer = "c\(Int.random(in: 0..<customers))"
    let category = number % 5 == 0 ? "transactional" : "marketing"
    let id = "load-\(number)"
    let body = """
      {"id":"\(id)","customer_id":"\(customer)","to":"\(customer)@example.com",\
      "from":"Shop <news@shop.example>","subject":"Offer \(number)",\
      "html":"<p>Hello <a href=\\"https://shop.example/p?utm_source=mail&id=\(number)\\">shop</a>\
      <img src=\\"https://shop.example/open.gif?m=\(number)\\" width=\\"1\\" height=\\"1\\"></p>",\
      "category":"\(category)","campaign_id":"load"}
      """
    tally.withLock { $0.messages[id] = Sent(customer: customer, category: category) }
    let url = bases.withLock { $0[number % $0.count] } + "/v1/messages"
    let started = ContinuousClock.now
    defer {
      let took = ContinuousClock.now - started
      tally.withLock { $0.slowest = max($0.slowest, took) }
    }
    do {
      let response = try await transport.send(
        SenderRequest(
          method: "POST", url: url,
          headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(key)")],
          body: Data(body.utf8)))
      let decisionId =
        ((try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["record"]
        as? [String: Any])?["id"] as? String
      tally.withLock { tally in
        tally.statuses[response.status, default: 0] += 1
        if (200..<300).contains(response.status), let decisionId {
          tally.decisionIds.append(decisionId)
        }
      }
      // A gateway whose store is out says so at once: not a busy loop against it (a real
      // client waits Retry-After; the runs here are too short for 5 s).
      if response.status == 503 { try? await Task.sleep(for: .milliseconds(50)) }
    } catch {
      tally.withLock { $0.unanswered += 1 }
      // Not a busy loop against a gateway that is down.
      try? await Task.sleep(for: .milliseconds(20))
    }
  }
}
