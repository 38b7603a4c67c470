import ArgumentParser
import Foundation
import GovernorCore
import GovernorDelivery
import GovernorHTTP
import GovernorService

/// The mailbox hook behind the `mailto:` of `List-Unsubscribe`: the mail server hands each
/// message sent to that address to this command (a Postfix `pipe` transport or an alias
/// `"|governor unsubscribe-mail …"`), and the customer it names is unsubscribed.
struct UnsubscribeMailCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unsubscribe-mail",
    abstract: "Record the unsubscribe a mail to the List-Unsubscribe mailto: carries (stdin).",
    discussion: """
      Reads one RFC 5322 message from standard input and finds the signed token the \
      governor put in the mailto: link's subject (or a +tag of the To address). The customer \
      and category it names are unsubscribed, as by the one-click link. The secret must be \
      the one `governor serve` makes links with (\(UnsubscribeTokens.environmentVariable), or \
      --dev-unsubscribe-secret-file). A mail with no valid token changes nothing and still \
      exits 0, so a mail server sends no bounce to whoever wrote it.
      """
  )

  @OptionGroup var options: StoreOptions
  @Option(help: "The policy in force (it says which categories an unsubscribe stops).")
  var policy: String = "policies/default.yaml"
  @Option(
    help: ArgumentHelp(
      "Development only: the file `governor serve --dev-unsubscribe-secret-file` keeps.",
      valueName: "path"))
  var devUnsubscribeSecretFile: String?

  func run() async throws {
    let policy = try PolicyFiles.loadOrExit(self.policy)
    let tokens = try UnsubscribeSecret.tokensOrExit(
      devFile: devUnsubscribeSecretFile, policy: policy)
    let raw = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    let grant = try await options.withStore { store in
      let gateway = Gateway(
        store: store, policy: policy, sender: NoSender(), unsubscribeTokens: tokens)
      return try await gateway.unsubscribe(mail: raw)
    }
    guard let grant else {
      printError("no unsubscribe token in this mail: nothing changed")
      return
    }
    print("unsubscribed customer \(grant.customerId) from \(grant.scope)")
  }
}

/// The gateway an unsubscribe needs sends nothing.
private struct NoSender: MailSender {
  var description: String { "none" }
  func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult {
    .failed(reason: "this command sends no mail", attempts: 0)
  }
}
