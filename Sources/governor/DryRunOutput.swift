import Foundation
import GovernorCore

/// Where a dry-run's rows and summary go: with `summary`, the summary on stdout; with `json`
/// or `csv`, one row per recipient on stdout and the summary on stderr, so the rows can be
/// piped on. Rows are written in large pieces: a million `print` calls would cost seconds.
final class DryRunOutput {
  let format: DryRunCommand.Format
  private var buffer: [UInt8] = []

  init(format: DryRunCommand.Format) {
    self.format = format
    buffer.reserveCapacity(1 << 17)
  }

  func begin() {
    if format == .csv { write(DryRunRow.csvHeader) }
  }

  func row(_ recipient: Recipient, _ decision: Decision) {
    switch format {
    case .summary: return
    case .json: write(DryRunRow.json(recipient, decision))
    case .csv: write(DryRunRow.csv(recipient, decision))
    }
  }

  func end(_ summary: DryRunSummary) {
    flush()
    for line in summary.lines {
      if format == .summary { print(line) } else { printError(line) }
    }
  }

  private func write(_ line: String) {
    buffer.append(contentsOf: line.utf8)
    buffer.append(UInt8(ascii: "\n"))
    if buffer.count >= 1 << 16 { flush() }
  }

  private func flush() {
    guard !buffer.isEmpty else { return }
    FileHandle.standardOutput.write(Data(buffer))
    buffer.removeAll(keepingCapacity: true)
  }
}
