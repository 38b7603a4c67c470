import Foundation
import GovernorCore

/// Where a dry-run's rows and summary go: with `summary`, the summary on stdout; with `json`
/// or `csv`, one row per recipient on stdout and the summary on stderr, so the rows can be
/// piped on. Rows are written in large pieces: a million `print` calls would cost seconds.
final class DryRunOutput {
  let format: DryRunCommand.Format
  private var output = BufferedOutput()

  init(format: DryRunCommand.Format) {
    self.format = format
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
    output.flush()
    for line in summary.lines {
      if format == .summary { print(line) } else { printError(line) }
    }
  }

  private func write(_ line: String) { output.write(line) }
}
