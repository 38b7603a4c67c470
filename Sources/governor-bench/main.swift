import Foundation

// governor-bench [engine|store] [FILTER] [POLICY.yaml]
//
// `make bench` runs both: the engine's decisions per second, and the store's reserve + commit
// latency against a small and a very large send ledger. FILTER picks scenarios by name.

let arguments = Array(CommandLine.arguments.dropFirst())
let parts = Set(arguments.filter { ["engine", "store"].contains($0) })
let policyPath = arguments.first { $0.hasSuffix(".yaml") } ?? "policies/default.yaml"
let filter = arguments.first { !$0.hasSuffix(".yaml") && !["engine", "store"].contains($0) }

if parts.isEmpty || parts.contains("engine") {
  engineBench(policyPath: policyPath, filter: filter)
}
if parts.isEmpty || parts.contains("store") {
  try await storeBench(filter: filter)
}
