import ArgumentParser
import Foundation
import GovernorCore
import GovernorStore

struct LedgerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ledger",
    abstract: "Review sends whose outcome is unknown; prune sends no cap can see.",
    subcommands: [Review.self, Resolve.self, Prune.self]
  )

  struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List reservations whose outcome is unknown, after marking stranded ones.",
      discussion: """
        A reservation still without an outcome after --older-than was left by a gateway that \
        stopped between reserving a cap slot and recording the send: it becomes `unknown`, \
        keeps counting against the customer's caps, and is listed here until resolved. \
        Exits 0 when nothing needs review, 3 when something does.
        """
    )

    @OptionGroup var options: StoreOptions

    @Option(
      help: ArgumentHelp(
        "How long a reservation may stay open before it counts as stranded.",
        valueName: "duration"),
      transform: { try DurationArgument.seconds($0, option: "--older-than", example: "15m or 1h") })
    var olderThan: TimeInterval = 15 * 60

    @Flag(help: "Print JSON lines instead of a table.") var json = false

    func run() async throws {
      let now = Date()
      let unknown = try await options.withStore { store in
        _ = try await store.recoverUnfinishedReservations(
          reservedBefore: now - olderThan, at: now)
        return try await store.ledger(status: .unknown)
      }
      if json {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        for entry in unknown { print(String(decoding: try encoder.encode(entry), as: UTF8.self)) }
      } else if unknown.isEmpty {
        print("no sends with an unknown outcome")
      } else {
        print("\(unknown.count) send(s) with an unknown outcome; they still count against caps:")
        for entry in unknown {
          let when = entry.reservedAt.formatted(.iso8601)
          print(
            "  \(entry.messageId)  customer \(entry.customerId)  \(entry.category)  "
              + "campaign \(entry.campaignId ?? "-")  reserved \(when)")
        }
        print("resolve each with: governor ledger resolve MESSAGE_ID --as sent|failed")
      }
      if !unknown.isEmpty { throw ExitCode(3) }
    }
  }

  struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Record what became of a send under review (checked with the mail sender).",
      discussion: "`failed` releases its cap slot; `sent` keeps it. Exits 1 for an unknown id."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The message id.") var messageId: String

    @Option(name: .customLong("as"), help: "What the mail sender says happened: sent or failed.")
    var outcome: Outcome

    @Option(help: "A note kept with the send, e.g. who checked and where.") var note: String?

    enum Outcome: String, ExpressibleByArgument, CaseIterable {
      case sent, failed
    }

    func run() async throws {
      let status: LedgerStatus = outcome == .sent ? .sent : .failed
      do {
        try await options.withStore { store in
          try await store.completeReservation(
            messageId: messageId, outcome: status, at: Date(),
            detail: note ?? "resolved by review")
        }
      } catch let error as StoreError {
        printError("\(error)")
        throw ExitCode(1)
      }
      print("\(messageId): \(status.rawValue)")
    }
  }

  struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Delete finished sends older than any window a cap or preference reads.",
      discussion: """
        The cutoff is the longest window of the policy's caps or of any customer's own \
        frequency preference, so no decision can change, and at least 30 days, so a \
        provider's late report (a complaint weeks after the send) still finds its send \
        rather than reading as mail around the governor. Sends with an unknown outcome stay \
        until reviewed. The keys of provider reports received more than 30 days ago go too \
        (they only keep a replayed webhook from counting twice; the counts stay). Run it from \
        cron; it keeps cap checks reading few rows.
        """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "The policy in force.") var policy: String = "policies/default.yaml"

    /// How long after a send a mailbox provider's report may still arrive (complaint
    /// feedback loops run weeks late); SendGrid retries a webhook for 3 days, SNS for hours.
    static let reportLag: TimeInterval = 30 * 86_400

    func run() async throws {
      let engine = Engine(policy: try PolicyFiles.loadOrExit(policy))
      let now = Date()
      let reportCutoff = now - Self.reportLag
      let (cutoff, pruned, reports) = try await options.withStore { store in
        let longest = try await store.preferenceWindows().reduce(
          max(engine.longestWindow, Self.reportLag)
        ) {
          max($0, engine.historyNeeded(preference: FrequencyPreference(max: 1, window: $1)))
        }
        let cutoff = now - longest
        return (
          cutoff, try await store.pruneLedger(reservedBefore: cutoff),
          try await store.pruneDeliveryEvents(receivedBefore: reportCutoff)
        )
      }
      print("pruned \(pruned) finished send(s) reserved before \(cutoff.formatted(.iso8601))")
      print(
        "pruned \(reports) provider report key(s) received before "
          + reportCutoff.formatted(.iso8601))
    }
  }
}
