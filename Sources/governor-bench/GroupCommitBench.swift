import Foundation
import GovernorCore
import GovernorStore

// Decisions written per second by the SQLite store (synchronous=FULL: each commit waits for
// the disk), one writer at a time against 64 at once. One at a time, every decision is its
// own transaction and fsync; at once, decisions that arrive while a transaction commits share
// the next one (GroupCommit), so one fsync carries many. Each decision is the gateway's: the
// customer's state read, the engine, a ledger row and a hash-chained audit row.

let groupCommitPolicy = """
  name: group-commit-bench
  consent:
    purposes: {marketing: {}}
  categories:
    marketing: {consent: []}
  caps:
    - {id: weekly, max: 1000000, within: 7d}
  """

func groupCommitBench() async throws {
  let policy = try PolicyLoader.load(Data(groupCommitPolicy.utf8), file: "bench.yaml").get()
  let engine = Engine(policy: policy)
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("governor-group-commit-\(UUID().uuidString)")
  defer { try? FileManager.default.removeItem(at: folder) }
  for writers in [1, 64] {
    let store = try SQLiteStore(path: folder.appendingPathComponent("\(writers).sqlite").path)
    let seconds = 5.0
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(seconds)
    let counted = try await withThrowingTaskGroup(of: Int.self) { group in
      for writer in 0..<writers {
        group.addTask {
          var count = 0
          while clock.now < deadline {
            let customer = "c\(Int.random(in: 0..<10_000))"
            let message = Message(
              id: "gc-\(writer)-\(count)", customerId: customer, to: "\(customer)@example.com",
              from: "news@shop.example", subject: "bench", category: "marketing")
            _ = try await store.decide(message, engine: engine, at: Date())
            count += 1
          }
          return count
        }
      }
      return try await group.reduce(0, +)
    }
    let rate = Int(Double(counted) / seconds)
    print(
      "decisions written, \(writers) writer(s) at once: \(rate.formatted())/s "
        + "(\(counted.formatted()) in \(Int(seconds)) s)")
  }
}
