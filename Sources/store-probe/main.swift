import Foundation
import GovernorCore
import GovernorStore

// store-probe STORE POLICY CUSTOMER COUNT [--hold] [--concurrent]
//
// A test helper: decides on COUNT marketing messages for CUSTOMER through STORE (a SQLite
// path or a postgres:// URL) under POLICY, as the gateway does, printing "reserved ID" (it took
// a cap slot) or "held ID" per message, then "done". With --concurrent all COUNT decisions run
// at once. With --hold it then waits forever without completing the reservations: the test
// kills it there, between reserve and commit.

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 4, let count = Int(arguments[3]) else {
  FileHandle.standardError.write(
    Data("usage: store-probe STORE POLICY CUSTOMER COUNT [--hold] [--concurrent]\n".utf8))
  exit(2)
}
let (location, policyPath, customer) = (
  StoreLocation(arguments[0]), arguments[1], arguments[2]
)
let hold = arguments.contains("--hold")
let concurrent = arguments.contains("--concurrent")
let prefix = ProcessInfo.processInfo.environment["PROBE_PREFIX"] ?? "probe"

guard let source = FileManager.default.contents(atPath: policyPath) else {
  FileHandle.standardError.write(Data("cannot read \(policyPath)\n".utf8))
  exit(2)
}
let engine: Engine
switch PolicyLoader.load(source, file: policyPath) {
case .success(let policy): engine = Engine(policy: policy)
case .failure(let error):
  FileHandle.standardError.write(Data("\(error)\n".utf8))
  exit(2)
}

/// Unbuffered, so the test reading the pipe sees each line as it happens.
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func reserve(_ index: Int, in store: any Store) async throws {
  let message = Message(
    id: "\(prefix)-\(index)", customerId: customer, to: "\(customer)@example.com",
    from: "news@shop.example", subject: "probe", text: "probe", category: "marketing")
  let decided = try await store.decide(message, engine: engine, at: Date())
  say("\(decided.reserved ? "reserved" : "held") \(message.id)")
}

do {
  try await location.withStore { store in
    if concurrent {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<count { group.addTask { try await reserve(index, in: store) } }
        try await group.waitForAll()
      }
    } else {
      for index in 0..<count { try await reserve(index, in: store) }
    }
    say("done")
    while hold { try await Task.sleep(for: .seconds(3600)) }
  }
} catch {
  FileHandle.standardError.write(Data("\(error)\n".utf8))
  exit(1)
}
