import Foundation
import GovernorCore

/// Amazon SES v2 `SendEmail` with the raw MIME message, SigV4-signed. `ses:URL` names the
/// endpoint (`https://email.eu-west-1.amazonaws.com`, or a local emulator); credentials come
/// from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, the region from
/// `AWS_REGION` (default us-east-1). The message id travels as the `governor_message_id` tag
/// and in the `X-Governor-Message-Id` header.
///
/// SES tracks opens and clicks through the configuration set a message is sent with. A
/// message whose recipient did not consent is sent with `untracked_configuration_set`
/// (`ses:URL?untracked_configuration_set=NAME`: a set with no open or click tracking), or
/// with no configuration set when none is named; a set the campaign tool named in the
/// message's own `X-SES-CONFIGURATION-SET` header is taken out. With consent the message
/// goes as the campaign tool wrote it.
public struct SESSender: MailSender {
  public let endpoint: String
  public let signer: SigV4Signer
  public let delivery: HTTPDelivery
  public let untrackedConfigurationSet: String?
  public var breaker: CircuitBreaker? { delivery.breaker }

  /// The header SES reads a raw message's configuration set from.
  static let configurationSetHeader = "X-SES-CONFIGURATION-SET"

  public init(
    endpoint: String, signer: SigV4Signer, delivery: HTTPDelivery,
    untrackedConfigurationSet: String? = nil
  ) {
    self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
    self.signer = signer
    self.delivery = delivery
    self.untrackedConfigurationSet = untrackedConfigurationSet
  }

  /// `ses:` options after the endpoint's `?`: the endpoint without them, and the untracked
  /// configuration set's name.
  public static func options(_ target: String) throws(SenderSetupError) -> (
    endpoint: String, untrackedConfigurationSet: String?
  ) {
    guard let question = target.firstIndex(of: "?") else { return (target, nil) }
    let endpoint = String(target[..<question])
    var untracked: String?
    for item in URLComponents(string: target)?.queryItems ?? [] {
      guard item.name == "untracked_configuration_set" else {
        throw SenderSetupError(
          "--sender ses: unknown option '\(item.name)'; expected untracked_configuration_set")
      }
      // SES names: letters, digits, `_` and `-`, at most 64.
      guard let name = item.value, !name.isEmpty, name.count <= 64,
        name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
      else {
        throw SenderSetupError(
          "--sender ses: untracked_configuration_set '\(item.value ?? "")' is not a "
            + "configuration set name (letters, digits, _ and -, at most 64)")
      }
      untracked = name
    }
    return (endpoint, untracked)
  }

  /// Credentials from the environment; nil naming what is missing.
  public static func signer(environment: [String: String]) -> Result<SigV4Signer, SenderSetupError>
  {
    guard let key = environment["AWS_ACCESS_KEY_ID"],
      let secret = environment["AWS_SECRET_ACCESS_KEY"]
    else {
      return .failure(
        SenderSetupError("--sender ses: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
    }
    return .success(
      SigV4Signer(
        accessKey: key, secretKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"],
        region: environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1",
        service: "ses"))
  }

  public var description: String { "ses:\(endpoint)" }
  public var templates: SenderTemplate.Provider? { .ses }

  public func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult {
    var message = message
    let untracked = tracking.isAllowed ? nil : untrackedConfigurationSet
    if !tracking.isAllowed {
      message.headers = message.headers.filter {
        $0.key.caseInsensitiveCompare(Self.configurationSetHeader) != .orderedSame
      }
      // Named in the header too, so the raw message says how it was sent.
      if let untracked { message.headers[Self.configurationSetHeader] = untracked }
    }
    // Checked when the message was accepted; one held from before that check is not sent.
    guard (try? Mailbox(parsing: message.from)) != nil,
      let to = try? Mailbox(parsing: message.to)
    else {
      return .failed(reason: "'to' or 'from' is not exactly one mailbox", attempts: 0)
    }
    // The SendEmail body, in the API's own PascalCase names.
    var request: [String: Any] = [
      // SES wants internationalised domains in their Punycode form.
      "FromEmailAddress": MIMEMessage.addressHeader(message.from),
      "Destination": ["ToAddresses": [MIMEMessage.asciiAddress(to)]],
      "EmailTags": tags(message),
    ]
    if let template = message.template {
      request.merge(Self.templated(message, template)) { $1 }
    } else {
      let mime = MIMEMessage.bytes(message, date: Date())
      request["Content"] = ["Raw": ["Data": Data(mime).base64EncodedString()]]
    }
    if let untracked { request["ConfigurationSetName"] = untracked }
    guard let body = try? JSONSerialization.data(withJSONObject: request, options: .sortedKeys)
    else {
      return .failed(reason: "the SES request could not be encoded", attempts: 0)
    }
    let unsigned = SenderRequest(
      method: "POST", url: endpoint + "/v2/email/outbound-emails",
      headers: [("Content-Type", "application/json")], body: body)
    // Signed per attempt would be better for long retries (signatures expire after 5
    // minutes); retries here are bounded well below that.
    return await delivery.deliver(signer.sign(unsigned, at: Date())) { response in
      (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["MessageId"]
        as? String
    }
  }

  /// `Content.Template` for a template stored in the SES account: the headers the governor
  /// adds (List-Unsubscribe, the message id) travel as the template's `Headers`; the
  /// configuration set named in the message's header becomes `ConfigurationSetName`, since
  /// no raw message carries it.
  static func templated(_ message: Message, _ template: SenderTemplate) -> [String: Any] {
    var headers: [[String: String]] = [["Name": "X-Governor-Message-Id", "Value": message.id]]
    var fields: [String: Any] = [:]
    for (name, value) in message.headers.sorted(by: { $0.key < $1.key }) {
      if name.caseInsensitiveCompare(configurationSetHeader) == .orderedSame {
        fields["ConfigurationSetName"] = value
      } else if name.caseInsensitiveCompare("Reply-To") == .orderedSame {
        fields["ReplyToAddresses"] = [value]
      } else {
        headers.append(["Name": name, "Value": value])
      }
    }
    var content: [String: Any] = [
      "TemplateData": template.data ?? "{}", "Headers": headers,
    ]
    content[template.id.hasPrefix("arn:") ? "TemplateArn" : "TemplateName"] = template.id
    fields["Content"] = ["Template": content]
    return fields
  }

  /// SES echoes tags in bounce and complaint notifications, which find their customer by
  /// `governor_customer_id` — sent only when the id survives SES's tag alphabet unchanged
  /// (otherwise the notification's address finds the customer).
  func tags(_ message: Message) -> [[String: String]] {
    var tags = [["Name": "governor_message_id", "Value": Self.tagValue(message.id)]]
    if Self.tagValue(message.customerId) == message.customerId {
      tags.append(["Name": "governor_customer_id", "Value": message.customerId])
    }
    return tags
  }

  /// SES tag values allow letters, digits, `_`, `-`, `.`, `@` and 256 characters.
  static func tagValue(_ id: String) -> String {
    String(
      id.prefix(256).map { character in
        character.isASCII
          && (character.isLetter || character.isNumber || "_-.@".contains(character))
          ? character : "_"
      })
  }
}

/// A sender that cannot be set up as configured (missing credentials, bad URL).
public struct SenderSetupError: Error, Hashable, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
