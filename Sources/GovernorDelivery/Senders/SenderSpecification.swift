import Foundation

/// `--sender` as written on the command line: `outbox:PATH`, `webhook:URL`, `sendgrid:URL`
/// or `ses:URL` (with `?untracked_configuration_set=NAME`). Secrets never appear here; they
/// come from the environment.
public enum SenderSpecification {
  public static let defaultValue = "outbox:./data/outbox"

  public static func make(
    _ specification: String, environment: [String: String], delivery: () -> HTTPDelivery
  ) throws(SenderSetupError) -> any MailSender {
    guard let colon = specification.firstIndex(of: ":") else {
      throw SenderSetupError(
        "--sender '\(specification)': expected outbox:PATH, webhook:URL, sendgrid:URL or ses:URL")
    }
    let kind = String(specification[..<colon])
    let target = String(specification[specification.index(after: colon)...])
    guard !target.isEmpty else {
      throw SenderSetupError("--sender \(kind): nothing after '\(kind):'")
    }
    guard ["outbox", "webhook", "sendgrid", "ses"].contains(kind) else {
      throw SenderSetupError(
        "--sender: unknown kind '\(kind)'; expected outbox, webhook, sendgrid or ses")
    }
    if kind != "outbox" {
      guard let url = URLComponents(string: target), ["http", "https"].contains(url.scheme ?? ""),
        url.host != nil
      else {
        throw SenderSetupError("--sender \(kind): '\(target)' is not an http(s) URL")
      }
    }
    switch kind {
    case "outbox":
      return OutboxSender(folder: target)
    case "webhook":
      return WebhookSender(url: target, delivery: delivery())
    case "sendgrid":
      guard let key = environment["SENDGRID_API_KEY"], !key.isEmpty else {
        throw SenderSetupError("--sender sendgrid: set SENDGRID_API_KEY")
      }
      return SendGridSender(base: target, apiKey: key, delivery: delivery())
    case "ses":
      let options = try SESSender.options(target)
      return SESSender(
        endpoint: options.endpoint, signer: try SESSender.signer(environment: environment).get(),
        delivery: delivery(), untrackedConfigurationSet: options.untrackedConfigurationSet)
    default:
      preconditionFailure("kinds are checked above")
    }
  }
}
