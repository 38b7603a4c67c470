import ArgumentParser
import Foundation
import GovernorCore
import GovernorStore

struct CustomerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "customer",
    abstract: "A customer's data: import it, export it, or erase it.",
    subcommands: [Import.self, Export.self, Forget.self]
  )

  struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Bring in customers with their consent, suppressions and past sends.",
      discussion: """
        The file is a YAML or JSON list in the form of fixtures/customers.yaml. Every customer \
        is checked against the policy first; one problem anywhere and nothing is imported \
        (exit 1, each problem named by customer and field).
        """
    )

    @OptionGroup var options: StoreOptions
    @Argument(help: "The customers file.") var file: String
    @Option(help: "The policy the records are checked against.")
    var policy: String = "policies/default.yaml"

    func run() async throws {
      let validator = RecordValidator(policy: try PolicyFiles.loadOrExit(policy))
      guard let data = FileManager.default.contents(atPath: file) else {
        printError("cannot read \(file)")
        throw ExitCode(1)
      }
      let customers: [CustomerState]
      do {
        customers = try StateDocuments.customers(from: data)
      } catch {
        printError("\(file): \(error)")
        throw ExitCode(1)
      }
      var validated: [Validated<CustomerState>] = []
      var problems: [String] = []
      let now = Date()
      for (index, customer) in customers.enumerated() {
        do {
          validated.append(try validator.customer(customer, now: now))
        } catch {
          problems += error.problems.map {
            "\(file): customers[\(index)] '\(customer.customerId)': \($0.field): \($0.problem)"
          }
        }
      }
      guard problems.isEmpty else {
        for problem in problems { printError(problem) }
        throw ExitCode(1)
      }
      try await options.withStore { try await $0.importCustomers(validated) }
      print("imported \(validated.count) customers into \(options.location)")
    }
  }

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
        "Erase a customer (GDPR Art. 17): profile, consent, sends, held mail.",
      discussion: """
        The audit log keeps its rows, which name only the customer id, so its hash chain still \
        verifies. Active suppressions (unsubscribed, bounced, complained) are kept, reduced to \
        the customer id, a keyed hash of the address, the reason, scope and date, so the \
        person is never mailed again by that id or that address (GDPR Art. 17(3), 21(3)); \
        `customer export` lists them. Exits 1 when the store has no such customer.
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
