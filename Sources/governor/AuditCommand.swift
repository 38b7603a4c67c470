import ArgumentParser
import GovernorStore

struct AuditCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Review the decision log.",
    subcommands: [Verify.self, Decisions.self]
  )

  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check that no decision was edited, deleted or reordered.",
      discussion: "Exits 0 when the hash chain is intact, 1 at the first broken row."
    )

    @OptionGroup var options: StoreOptions

    func run() async throws {
      let verification = try await options.withStore { try await $0.verifyAudit() }
      if let problem = verification.firstProblem {
        printError(
          "audit log broken at decision #\(problem.sequence) of \(verification.rows): "
            + problem.problem)
        throw ExitCode(1)
      }
      print("audit log intact: \(verification.rows) decisions")
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
