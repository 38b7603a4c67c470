import ArgumentParser
import Foundation
import GovernorCore
import GovernorStore

extension ComplianceCommand {
  struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Prove opt-outs were honoured: each against the laws' deadlines, with the rates.",
      discussion: """
        For every opt-out in the period (an unsubscribe — one-click, preference page, \
        provider, suppression API — a complaint, a consent withdrawn): the sends it should \
        have stopped that went anyway (by the ledger, and by provider reports of mail around \
        the governor), and whether each deadline held: GDPR Art. 21(3) at once, Gmail/Yahoo 2 \
        days, CAN-SPAM and CASL 10 business days (weekends and each country's federal \
        holidays, from the calendars in --holidays). Then the complaint and bounce rates by \
        day, the reputation brakes' changes and the decisions they held back, and how long \
        unsubscribe links keep working. Exits 0 when every deadline held, 3 when one was \
        missed.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case text, json, html
    }

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The policy that decides which sends an opt-out stops."))
    var policy: String = "policies/default.yaml"

    @Option(
      help: ArgumentHelp(
        "A folder of holiday calendars (*.yaml: name, country, source, holidays).",
        valueName: "folder"))
    var holidays: String = "policies/holidays"

    @Option(
      help: ArgumentHelp("How far back to look.", valueName: "duration"),
      transform: { try DurationArgument.seconds($0, option: "--since", example: "30d") })
    var since: TimeInterval = 30 * 86_400

    @Option(help: "text, json or html.") var format: Format = .text

    func run() async throws {
      let engine = Engine(policy: try PolicyFiles.loadOrExit(policy))
      let calendars = try loadCalendars()
      let now = Date()
      let previous =
        ProcessInfo.processInfo.environment["GOVERNOR_UNSUBSCRIBE_PREVIOUS_SECRETS"]?
        .split(separator: " ").count ?? 0
      let report = try await options.withStore { store in
        try await ComplianceReport.gather(
          from: store, engine: engine, calendars: calendars, since: now - since, until: now,
          previousSecrets: previous)
      }
      let output = ComplianceReportOutput(report: report)
      switch format {
      case .text: print(output.text, terminator: "")
      case .json: print(output.json)
      case .html: print(output.html, terminator: "")
      }
      let missed = OptOutDeadline.allCases.contains { report.tally($0).missed > 0 }
      if missed { throw ExitCode(3) }
    }

    private func loadCalendars() throws -> [HolidayCalendar] {
      let files = (try? FileManager.default.contentsOfDirectory(atPath: holidays)) ?? []
      var calendars: [HolidayCalendar] = []
      for file in files.sorted() where file.hasSuffix(".yaml") {
        let path = holidays + "/" + file
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        switch HolidayCalendar.load(data, file: path) {
        case .success(let calendar): calendars.append(calendar)
        case .failure(let error):
          for diagnostic in error.diagnostics { printError(diagnostic.description) }
          throw ExitCode(1)
        }
      }
      return calendars
    }
  }
}
