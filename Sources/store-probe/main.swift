import Foundation
import GovernorCore
import GovernorStore

// store-probe STORE POLICY CUSTOMER COUNT [--hold]
//
// Reserves COUNT marketing messages for CUSTOMER through STORE under POLICY, printing
// "reserved ID" or "held ID" per message, then "done". With --hold it then waits forever
// without completing the reservations: the test kills it there, between reserve and commit.

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 4, let count = Int(arguments[3]) else {
  FileHandle.standardError.write(
    Data("usage: store-probe STORE POLICY CUSTOMER COUNT [--hold]\n".utf8))
  exit(2)
}
let (storePath, policyPath, customer) = (arguments[0], arguments[1], arguments[2])
let hold = arguments.contains("--hold")
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

do {
  let store = try SQLiteStore(path: storePath)
  for index in 0..<count {
    let message = Message(
      id: "\(prefix)-\(index)", customerId: customer, to: "\(customer)@example.com",
      from: "news@shop.example", subject: "probe", text: "probe", category: "marketing")
    let reservation = try await store.reserve(message, engine: engine, at: Date())
    say("\(reservation.reserved ? "reserved" : "held") \(message.id)")
  }
  say("done")
  while hold { try await Task.sleep(for: .seconds(3600)) }
} catch {
  FileHandle.standardError.write(Data("\(error)\n".utf8))
  exit(1)
}
