import Foundation
import GovernorCore
import GovernorStore

// A dry-run at the size of a real send: 1,000,000 recipients over 100,000 customers with
// history, decided by the real `governor dry-run` binary against a SQLite store. Reports the
// wall time and the child's peak resident memory (getrusage); the targets are under 10 s and
// under 1 GiB on 2 cores.
//
// The data is generated once into data/bench/dry-run/ (a fixed seed, so every run decides the
// same campaign); delete the folder to make it again.
func dryRunBench(policyPath: String, governor: String) async throws {
  let folder = "data/bench/dry-run"
  let store = "\(folder)/store.sqlite"
  let campaign = "\(folder)/campaign.yaml"
  if !FileManager.default.fileExists(atPath: campaign) {
    print("dry-run: generating 100,000 customers and 1,000,000 recipients in \(folder) …")
    try await DryRunData.generate(
      folder: folder, store: store, campaign: campaign, policyPath: policyPath)
  }
  for format in ["summary", "csv"] {
    let output = format == "csv" ? "\(folder)/rows.csv" : nil
    let (seconds, peak, status) = try measure(
      governor,
      ["dry-run", campaign, "--store", store, "--policy", policyPath, "--format", format],
      stdout: output)
    print(
      String(
        format: "dry-run, 1,000,000 recipients over 100,000 customers, --format %@: "
          + "%.2f s, peak memory %.0f MiB (exit %d)", format, seconds, Double(peak) / 1_048_576,
        status))
  }
}

/// Runs `executable`, waits, and returns the wall time, the peak resident set in bytes and
/// the exit status. The peak is the kernel's high-water mark (`VmHWM`), read while the child
/// runs: `RUSAGE_CHILDREN` would give the largest of every child so far.
/// `stdout` nil: the output is dropped.
private func measure(_ executable: String, _ arguments: [String], stdout: String?) throws -> (
  Double, Int, Int32
) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let stdout {
    // Never `createFile` on a path that may be a device: it writes a new file and renames it
    // over the old one (an earlier version of this bench replaced /dev/null that way).
    FileManager.default.createFile(atPath: stdout, contents: nil)
    process.standardOutput = FileHandle(forWritingAtPath: stdout)
  } else {
    process.standardOutput = FileHandle.nullDevice
  }
  let clock = ContinuousClock()
  let start = clock.now
  try process.run()
  var peak = 0
  while process.isRunning {
    peak = max(peak, highWaterMark(of: process.processIdentifier))
    Thread.sleep(forTimeInterval: 0.01)
  }
  process.waitUntilExit()
  let elapsed = clock.now - start
  let seconds =
    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  return (seconds, peak, process.terminationStatus)
}

/// `VmHWM` of /proc/PID/status in bytes; 0 once the process is gone.
private func highWaterMark(of pid: Int32) -> Int {
  guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
  else { return 0 }
  let kibibytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
  return kibibytes * 1024
}

/// The generated data: customers like a shop's, a campaign and its recipient list.
enum DryRunData {
  static let customers = 100_000
  static let recipients = 1_000_000
  static let sendAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T11:06:40Z

  static func generate(folder: String, store: String, campaign: String, policyPath: String)
    async throws
  {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let policy = try PolicyLoader.load(file: policyPath).get()
    let validator = RecordValidator(policy: policy)
    var random = SeededRandom(seed: 42)
    let zones = ["Europe/Madrid", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
      .compactMap(Zone.init(identifier:))
    try await StoreLocation(store).withStore { store in
      for batch in stride(from: 0, to: customers, by: 10_000) {
        var states: [Validated<CustomerState>] = []
        for index in batch..<min(batch + 10_000, customers) {
          var state = CustomerState(
            customerId: "cust\(index)", email: "cust\(index)@example.com",
            timeZone: zones[Int(random.next() % UInt64(zones.count))])
          let roll = random.next() % 100
          // 85% gave marketing consent, 30% tracking; 3% unsubscribed, 1% bounced.
          if roll < 85 {
            state.consents.append(
              ConsentEvent(
                purpose: "marketing", status: .granted,
                at: sendAt - Double(30 + random.next() % 700) * 86_400, source: "signup-form"))
          }
          if roll < 30 {
            state.consents.append(
              ConsentEvent(
                purpose: "tracking", status: .granted, at: sendAt - 400 * 86_400,
                source: "signup-form"))
          }
          if roll >= 95 && roll < 98 {
            state.suppressions.append(
              Suppression(reason: .unsubscribed, scope: .all, at: sendAt - 86_400 * 20))
          } else if roll == 98 {
            state.suppressions.append(
              Suppression(reason: .hardBounce, scope: .all, at: sendAt - 86_400 * 50))
          }
          if random.next() % 10 == 0 {
            state.frequencyPreference = FrequencyPreference(
              max: 2, window: .rolling(seconds: 7 * 86_400))
          }
          // Up to 12 sends over the last 60 days.
          state.sends = SendHistory(
            (0..<Int(random.next() % 13)).map { _ in
              SendRecord(
                at: sendAt - Double(3_600 + random.next() % (60 * 86_400)),
                category: random.next() % 4 == 0 ? "newsletter" : "marketing",
                campaignId: "past\(random.next() % 40)")
            })
          states.append(try validator.customer(state, now: sendAt))
        }
        try await store.importCustomers(states)
      }
    }
    var csv = "customer_id,email\n"
    csv.reserveCapacity(recipients * 32)
    for _ in 0..<recipients {
      let index = random.next() % UInt64(customers)
      csv += "cust\(index),cust\(index)@example.com\n"
    }
    try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(folder)/recipients.csv"))
    let root = FileManager.default.currentDirectoryPath
    let yaml = """
      id: bench-sale
      category: marketing
      send_at: 2026-11-18T11:06:40Z
      message:
        from: "Shop News <news@shop.example>"
        subject: The bench sale
        html_file: \(root)/fixtures/emails/01-sendgrid-retail.html
        text_file: \(root)/fixtures/emails/01-sendgrid-retail.txt
      recipients_file: recipients.csv

      """
    try Data(yaml.utf8).write(to: URL(fileURLWithPath: campaign))
  }
}

/// SplitMix64: the same data on every machine, without a dependency.
struct SeededRandom {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}
