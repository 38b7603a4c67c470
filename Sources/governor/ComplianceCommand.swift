import ArgumentParser
import Foundation
import GovernorCore
import GovernorStore

struct ComplianceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compliance",
    abstract: "What compliance asks: opt-outs honoured in time, mail around the governor.",
    subcommands: [Report.self, Bypass.self]
  )

  struct Bypass: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List provider reports on mail the governor never decided.",
      discussion: """
        A delivery, bounce or complaint that SendGrid or SES reported for a message no \
        decision of the governor names means mail went around it (or the report lost the \
        governor's message id: SES echoes it only when the identity includes original \
        headers). Each is listed with the provider, what it reported, the store's keyed \
        digest of the address and when. Exits 0 when there is none, 3 when there is.
        """
    )

    @OptionGroup var options: StoreOptions

    @Option(
      help: ArgumentHelp("How far back to look.", valueName: "duration"),
      transform: { try DurationArgument.seconds($0, option: "--since", example: "7d or 24h") })
    var since: TimeInterval = 7 * 86_400

    @Flag(help: "Print JSON lines instead of a table.") var json = false

    func run() async throws {
      let from = Date() - since
      let events = try await options.withStore { store in
        try await store.bypassEvents(since: from)
      }
      for event in events {
        let when = event.at.formatted(.iso8601)
        if json {
          print(
            #"{"address_digest":\#(JSONLiteral.string(event.addressDigest)),"at":"\#(when)","#
              + #""outcome":"\#(event.outcome.rawValue)","provider":\#(JSONLiteral.string(event.provider))}"#
          )
        } else {
          print("  \(when)  \(event.provider)  \(event.outcome.rawValue)  \(event.addressDigest)")
        }
      }
      if !json {
        print(
          events.isEmpty
            ? "no mail went around the governor since \(from.formatted(.iso8601))"
            : "\(events.count) report(s) on mail the governor never decided")
      }
      if !events.isEmpty { throw ExitCode(3) }
    }
  }
}
