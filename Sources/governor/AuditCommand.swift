import ArgumentParser
import Foundation
import GovernorCore
import GovernorStore

struct AuditCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Review the decision log.",
    subcommands: [List.self, Show.self, Export.self, Verify.self, Decisions.self]
  )

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List decisions, newest first, a line each.",
      discussion: """
        Each line: id, time, outcome, customer, campaign and the rules behind it. Filters \
        combine; `governor audit show ID` gives a decision whole.
        """
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var filters: AuditFilters
    @Option(help: "At most this many (1 to 10000).") var limit = 50

    func validate() throws {
      guard (1...10_000).contains(limit) else {
        throw ValidationError("--limit must be from 1 to 10000")
      }
    }

    func run() async throws {
      let entries = try await options.withStore {
        try await $0.decisions(matching: filters.query(limit: limit))
      }
      for entry in entries {
        print(
          [
            entry.id, entry.decidedAt.formatted(.iso8601), entry.outcome.rawValue,
            "customer=\(entry.customerId)", "campaign=\(entry.campaignId ?? "-")",
            entry.rules.isEmpty ? "-" : entry.rules.joined(separator: ","),
          ].joined(separator: "\t"))
      }
      if entries.count == limit {
        printError("(first \(limit); narrow the filters or raise --limit)")
      }
    }
  }

  struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show one decision: its reasons and facts, and the policy text that made it.",
      discussion: "Exits 1 when there is no such decision."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The decision id (dec_…).") var id: String

    func run() async throws {
      let (entry, policyText) = try await options.withStore { store in
        guard let entry = try await store.decision(id: id) else {
          return (AuditEntry?.none, String?.none)
        }
        return (entry, try await store.policyText(version: entry.policyVersion))
      }
      guard let entry else {
        printError("no decision '\(id)' in \(options.location)")
        throw ExitCode(1)
      }
      for line in AuditDetail.lines(entry, policyText: policyText) { print(line) }
    }
  }

  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write every matching decision, oldest last, to stdout.",
      discussion: """
        jsonl: one object per line with the columns and the recorded decision byte for byte \
        (re-hashable); csv: the columns and the reason codes.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case jsonl
      case csv
    }

    @OptionGroup var options: StoreOptions
    @OptionGroup var filters: AuditFilters
    @Option(help: "jsonl or csv.") var format: Format = .jsonl

    func run() async throws {
      let now = Date()
      var output = BufferedOutput()
      if format == .csv { output.write(AuditEntry.csvHeader) }
      try await options.withStore { store in
        // Paged by sequence, so a log of any size streams out in constant memory.
        var before: Int64?
        while true {
          let page = try await store.decisions(
            matching: filters.query(limit: 1_000, before: before, now: now))
          for entry in page { output.write(format == .csv ? entry.csv : entry.json) }
          guard page.count == 1_000, let last = page.last else { break }
          before = last.sequence
        }
      }
      output.flush()
    }
  }

  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check that no decision or brake change was edited, deleted or reordered.",
      discussion: "Exits 0 when both hash chains are intact, 1 at the first broken row."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
      let (verification, brakes) = try await options.withStore {
        (try await $0.verifyAudit(), try await $0.verifyBrakeLog())
      }
      if let problem = verification.firstProblem {
        printError(
          "audit log broken at decision #\(problem.sequence) of \(verification.rows): "
            + problem.problem)
        throw ExitCode(1)
      }
      if let problem = brakes.firstProblem {
        printError(
          "brake log broken at change #\(problem.sequence) of \(brakes.rows): " + problem.problem)
        throw ExitCode(1)
      }
      print("audit log intact: \(verification.rows) decisions")
      // Most stores never braked: a line only where there is a brake log to speak of.
      if brakes.rows > 0 {
        print("brake log intact: \(brakes.rows) \(brakes.rows == 1 ? "change" : "changes")")
      }
    }
  }

  struct Decisions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print a customer's decisions, oldest first, one JSON object per line.",
      discussion: """
        Decisions name the customer only by key, so they are still found after \
        `governor customer forget` erased everything else about the customer.
        """
    )

    @OptionGroup var options: StoreOptions
    @Option(help: "The customer key.") var customer: String

    func run() async throws {
      let entries = try await options.withStore { try await $0.decisions(customerId: customer) }
      // The content is already canonical JSON; printed as stored, so a reader can re-hash it.
      for entry in entries { print(entry.content) }
    }
  }
}
