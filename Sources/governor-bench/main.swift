import Foundation

// governor-bench [engine|rewriter|store|commit|dry-run] [FILTER] [POLICY.yaml]
// governor-bench floor PORT SINK_URL|none   (the HTTP floor `.ci/http-bench` loads)
// governor-bench curl SINK_URL libcurl|transport [SECONDS]   (posting alone, no server)
//
// `make bench` runs them all: the engine's decisions per second, the tracking rewriter's
// MB/s on one core, the store's decide + commit latency against a small and a very large
// send ledger, decisions written per second one at a time and 64 at once (group commit),
// and a million-recipient `governor dry-run` (the `governor` binary beside this
// one). FILTER picks scenarios by name.

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "floor" {
  guard arguments.count == 3, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: governor-bench floor PORT SINK_URL|none\n".utf8))
    exit(2)
  }
  try await forwardFloor(port: port, sink: arguments[2])
  exit(0)
}
if arguments.first == "curl" {
  guard arguments.count == 3 || arguments.count == 4 else {
    FileHandle.standardError.write(
      Data("usage: governor-bench curl SINK_URL libcurl|transport [SECONDS]\n".utf8))
    exit(2)
  }
  let seconds = arguments.count == 4 ? Double(arguments[3]) ?? 5 : 5
  try await curlClientFloor(url: arguments[1], mode: arguments[2], seconds: seconds)
  exit(0)
}
let names = ["engine", "rewriter", "store", "commit", "dry-run"]
let parts = Set(arguments.filter { names.contains($0) })
let policyPath = arguments.first { $0.hasSuffix(".yaml") } ?? "policies/default.yaml"
let filter = arguments.first {
  !$0.hasSuffix(".yaml") && !names.contains($0)
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
if parts.isEmpty || parts.contains("commit") {
  try await groupCommitBench()
}
if parts.isEmpty || parts.contains("dry-run") {
  let governor = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("governor").path
  if FileManager.default.isExecutableFile(atPath: governor) {
    try await dryRunBench(policyPath: policyPath, governor: governor)
  } else {
    print("dry-run: build the governor product beside this binary first (make bench does)")
  }
}
