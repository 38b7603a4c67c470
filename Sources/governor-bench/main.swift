import Foundation

// governor-bench [engine|rewriter|store] [FILTER] [POLICY.yaml]
//
// `make bench` runs all three: the engine's decisions per second, the tracking rewriter's
// MB/s on one core, and the store's reserve + commit latency against a small and a very large
// send ledger. FILTER picks scenarios by name.

let arguments = Array(CommandLine.arguments.dropFirst())
let parts = Set(arguments.filter { ["engine", "rewriter", "store"].contains($0) })
let policyPath = arguments.first { $0.hasSuffix(".yaml") } ?? "policies/default.yaml"
let filter = arguments.first {
  !$0.hasSuffix(".yaml") && !["engine", "rewriter", "store"].contains($0)
}

if parts.isEmpty || parts.contains("engine") {
  engineBench(policyPath: policyPath, filter: filter)
}
if parts.isEmpty || parts.contains("rewriter") {
  rewriterBench(policyPath: policyPath, filter: filter)
}
if parts.isEmpty || parts.contains("store") {
  try await storeBench(filter: filter)
}
