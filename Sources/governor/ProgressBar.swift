import Foundation

/// A progress bar on stderr for runs long enough to wait on: drawn only when stderr is a
/// terminal, only after the first second, and at most ten times a second.
struct ProgressBar {
  let total: Int
  let unit: String
  private let started = ContinuousClock.now
  private var lastDrawn: ContinuousClock.Instant?
  private var drawn = false
  private let enabled = isatty(STDERR_FILENO) == 1

  init(total: Int, unit: String) {
    self.total = total
    self.unit = unit
  }

  mutating func update(done: Int) {
    guard enabled else { return }
    let now = ContinuousClock.now
    guard now - started >= .seconds(1) else { return }
    if let lastDrawn, now - lastDrawn < .milliseconds(100) { return }
    lastDrawn = now
    drawn = true
    let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
    let width = 30
    let filled = Int(fraction * Double(width))
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let line = String(
      format: "\r[%@] %3d%% %d of %d %@", bar, Int(fraction * 100), done, total, unit)
    FileHandle.standardError.write(Data(line.utf8))
  }

  /// Clears the bar, so the summary starts on a clean line.
  func finish() {
    guard drawn else { return }
    FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 80) + "\r").utf8))
  }
}
