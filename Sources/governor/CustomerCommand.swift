import ArgumentParser
import Foundation
import GovernorStore

struct CustomerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "customer",
    abstract: "A customer's data: export it, or erase it.",
    subcommands: [Export.self, Forget.self]
  )

  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print everything held about a customer as JSON (GDPR Art. 15).",
      discussion: "Exits 1 when the store has no such customer."
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The customer id.") var id: String

    func run() async throws {
      guard let export = try await options.withStore({ try await $0.exportCustomer(id) }) else {
        printError("no customer '\(id)' in \(options.location)")
        throw ExitCode(1)
      }
      print(try export.json(pretty: true))
    }
  }

  struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Erase a customer (GDPR Art. 17): profile, consent, suppressions, sends, held mail.",
      discussion: """
        The audit log keeps its rows, which name only the customer id, so its hash chain still \
        verifies. Exits 1 when the store has no such customer.
        """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The customer id.") var id: String

    func run() async throws {
      guard try await options.withStore({ try await $0.eraseCustomer(id) }) else {
        printError("no customer '\(id)' in \(options.location)")
        throw ExitCode(1)
      }
      print("customer '\(id)' erased")
    }
  }
}
