import ArgumentParser
import Foundation
import GovernorCore
import GovernorService
import GovernorStore

/// `governor dry-run CAMPAIGN`: what would happen if the campaign were sent now, recipient by
/// recipient, against the store's current state and a policy, changing nothing.
struct DryRunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dry-run",
    abstract: "Show what sending a campaign would do, changing nothing.",
    discussion: """
      Every recipient is decided as the gateway would decide the message at the campaign's \
      send time (or --at), against the store as it is, counting the campaign's own earlier \
      recipients (a customer listed twice is capped). The store is opened read-only. \
      Exits 2 when --max-blocked is exceeded, 1 on bad input.
      """
  )

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case summary
    case json
    case csv
  }

  @Argument(help: "The campaign file (YAML; see fixtures/campaigns/).")
  var campaign: String

  @Option(help: "The policy to decide under; a policy not yet in force may be tried.")
  var policy: String = "policies/default.yaml"

  @Option(help: "Decide at this instant (RFC 3339) instead of the campaign's send time.")
  var at: String?

  @Option(
    help: ArgumentHelp(
      "summary: counts only; json: one JSON object per recipient and line; csv: one row per "
        + "recipient (the summary then goes to stderr)."))
  var format: Format = .summary

  @Option(help: "Also write a self-contained HTML report with charts to this file.")
  var report: String?

  @Option(
    name: .customLong("max-blocked"),
    help: ArgumentHelp(
      "Exit 2 when more than this share of recipients would be blocked.", valueName: "15%"))
  var maxBlocked: String?

  @OptionGroup var options: StoreOptions

  func validate() throws {
    if let maxBlocked, Self.share(maxBlocked) == nil {
      throw ValidationError("--max-blocked '\(maxBlocked)' must be a percentage such as 15%")
    }
    if let at, (try? Date(at, strategy: .iso8601)) == nil {
      throw ValidationError("--at '\(at)' is not an RFC 3339 time such as 2026-11-27T09:00:00Z")
    }
  }

  func run() async throws {
    let policy = try PolicyFiles.loadOrExit(self.policy)
    let file: CampaignFile
    switch CampaignFileLoader.load(file: campaign) {
    case .success(let loaded): file = loaded
    case .failure(let error):
      for diagnostic in error.diagnostics { printError(diagnostic.description) }
      throw ExitCode(1)
    }
    let now =
      try at.map { try Date($0, strategy: .iso8601) }
      ?? (file.sendAtGiven ? file.campaign.sendAt : Date())
    var campaign = file.campaign
    campaign.sendAt = now
    var engine = Engine(policy: policy)
    let recipients = RecipientStream(file.recipients)
    let total: Int
    let customerIds: Set<String>
    do {
      (total, customerIds) = try recipients.survey()
    } catch let error as CampaignFileError {
      for diagnostic in error.diagnostics { printError(diagnostic.description) }
      throw ExitCode(1)
    }
    let output = DryRunOutput(format: format)
    output.begin()

    let summary = try await options.location.withStore(readOnly: true) { store in
      // The brakes the mailing's rates hold on now, as a send would meet them.
      engine.reputation = try await store.reputationBook(for: policy, at: now)
      var progress = ProgressBar(total: total, unit: "recipients")
      let summary = try await DryRunService(store: store, engine: engine).run(
        campaign, customerIds: customerIds, recipients: recipients
      ) { batch, decisions, done in
        for (recipient, decision) in zip(batch, decisions) { output.row(recipient, decision) }
        progress.update(done: done)
      }
      progress.finish()
      return summary
    }
    output.end(summary)
    if let report {
      let page = DryRunReport.render(summary, campaign: campaign, policy: policy)
      do {
        try Data(page.utf8).write(to: URL(fileURLWithPath: report))
      } catch {
        printError("cannot write the report to \(report): \(error.localizedDescription)")
        throw ExitCode(1)
      }
    }
    if let maxBlocked, let limit = Self.share(maxBlocked), summary.blockedShare > limit {
      printError(
        String(
          format: "%.1f%% of recipients would be blocked, more than --max-blocked %@",
          summary.blockedShare * 100, maxBlocked))
      throw ExitCode(2)
    }
  }

  /// `15%` or `15` as 0.15.
  static func share(_ text: String) -> Double? {
    let number = text.hasSuffix("%") ? String(text.dropLast()) : text
    guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value >= 0,
      value <= 100
    else { return nil }
    return value / 100
  }
}
