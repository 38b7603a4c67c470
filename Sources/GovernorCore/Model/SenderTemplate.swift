/// A body the mail sender renders from a template stored in its own account (SendGrid's
/// `template_id` with `dynamic_template_data`, SES's `Content.Template`). The governor never
/// sees that body, so it cannot limit tracking written into it: the decision says so
/// (`body_not_seen`), and only a sender of the template's own provider may be given it.
public struct SenderTemplate: Codable, Hashable, Sendable {
  /// Whose account holds the template: the `--sender` kind that can render it.
  public enum Provider: String, Codable, Hashable, Sendable, CaseIterable {
    case sendgrid
    case ses
  }

  public var provider: Provider
  /// The template's id at the provider (`d-…` at SendGrid; a name or an ARN at SES).
  public var id: String
  /// The values the template is rendered with, as one JSON object's text; nil: none.
  public var data: String?

  public init(provider: Provider, id: String, data: String? = nil) {
    self.provider = provider
    self.id = id
    self.data = data
  }
}
