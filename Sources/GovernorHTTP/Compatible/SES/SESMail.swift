import Foundation
import GovernorCore

/// One SES send, whichever API it came through — v2 `SendEmail` (JSON) or v1 `SendEmail` /
/// `SendRawEmail` (a form) — in the terms the mapping to messages needs.
struct SESMail {
  var from: String?
  var to: [String] = []
  var cc: [String] = []
  var bcc: [String] = []
  var replyTo: [String] = []
  var subject = ""
  var html: String?
  var text: String?
  var headers: [(String, String)] = []
  /// `EmailTags` (v2) or `Tags` (v1), by name.
  var tags: [String: String] = [:]
  /// v2's `ListManagementOptions.TopicName`.
  var topic: String?
  /// A whole message (`Content.Raw` or `RawMessage`), decoded from base64.
  var raw: [UInt8]?
  /// `Content.Template` naming a template stored in the SES account.
  var template: SenderTemplate?
  /// v2's `ConfigurationSetName`.
  var configurationSet: String?

  /// SES v2 `POST /v2/email/outbound-emails`, as botocore's model writes it.
  struct V2: Decodable {
    struct Destination: Decodable {
      var toAddresses: [String]?
      var ccAddresses: [String]?
      var bccAddresses: [String]?
    }
    struct Text: Decodable {
      var data: String
    }
    struct Body: Decodable {
      var text: Text?
      var html: Text?
    }
    struct Header: Decodable {
      var name: String
      var value: String
    }
    struct Simple: Decodable {
      var subject: Text
      var body: Body
      var headers: [Header]?
    }
    struct Raw: Decodable {
      var data: String
    }
    /// Anything: present or not is all that is read.
    struct Opaque: Decodable {
      init(from decoder: any Decoder) throws {}
    }
    struct Template: Decodable {
      var templateName: String?
      var templateArn: String?
      /// A JSON object as text, as SES takes it.
      var templateData: String?
      var templateContent: Opaque?
      var headers: [Header]?
      var attachments: Opaque?
    }
    struct Content: Decodable {
      var simple: Simple?
      var raw: Raw?
      var template: Template?
    }
    struct Tag: Decodable {
      var name: String
      var value: String
    }
    struct ListManagement: Decodable {
      var contactListName: String
      var topicName: String?
    }

    var fromEmailAddress: String?
    var destination: Destination?
    var replyToAddresses: [String]?
    var content: Content
    var emailTags: [Tag]?
    var configurationSetName: String?
    var listManagementOptions: ListManagement?
  }

  init(v2 request: V2) throws(CompatibleError) {
    from = request.fromEmailAddress
    to = request.destination?.toAddresses ?? []
    cc = request.destination?.ccAddresses ?? []
    bcc = request.destination?.bccAddresses ?? []
    replyTo = request.replyToAddresses ?? []
    for tag in request.emailTags ?? [] { tags[tag.name] = tag.value }
    topic = request.listManagementOptions?.topicName
    configurationSet = request.configurationSetName
    if let simple = request.content.simple {
      subject = simple.subject.data
      html = simple.body.html?.data
      text = simple.body.text?.data
      headers = (simple.headers ?? []).map { ($0.name, $0.value) }
    } else if let raw = request.content.raw {
      self.raw = try Self.base64(raw.data, field: "Content.Raw.Data")
    } else if let template = request.content.template {
      if template.templateContent != nil || template.attachments != nil {
        throw .badRequest(
          "Only a template stored in the SES account is passed through (TemplateName or "
            + "TemplateArn); content the governor can see goes as Content.Simple",
          field: template.templateContent != nil
            ? "Content.Template.TemplateContent" : "Content.Template.Attachments")
      }
      guard let id = template.templateArn ?? template.templateName, !id.isEmpty else {
        throw .badRequest(
          "Content.Template needs TemplateName or TemplateArn", field: "Content.Template")
      }
      self.template = SenderTemplate(provider: .ses, id: id, data: template.templateData)
      headers = (template.headers ?? []).map { ($0.name, $0.value) }
    } else {
      throw .badRequest("Content must hold Simple, Raw or Template", field: "Content")
    }
  }

  /// SES v1's form (`Action=SendEmail` or `SendRawEmail`), its lists as `.member.N`.
  init(v1 form: MailgunForm) throws(CompatibleError) {
    func list(_ prefix: String) -> [String] {
      form.fields.filter { $0.name.hasPrefix(prefix + ".member.") }
        .sorted { Self.memberIndex($0.name) < Self.memberIndex($1.name) }.map(\.text)
    }
    from = form.first("Source")
    to = list("Destination.ToAddresses") + list("Destinations")
    cc = list("Destination.CcAddresses")
    bcc = list("Destination.BccAddresses")
    replyTo = list("ReplyToAddresses")
    for index in 1...50 {
      guard let name = form.first("Tags.member.\(index).Name") else { break }
      tags[name] = form.first("Tags.member.\(index).Value") ?? ""
    }
    switch form.first("Action") {
    case "SendEmail":
      subject = form.first("Message.Subject.Data") ?? ""
      html = form.first("Message.Body.Html.Data")
      text = form.first("Message.Body.Text.Data")
    case "SendRawEmail":
      guard let data = form.first("RawMessage.Data") else {
        throw .badRequest("RawMessage.Data is required", field: "RawMessage.Data")
      }
      raw = try Self.base64(data, field: "RawMessage.Data")
    case let action:
      var error = CompatibleError.badRequest(
        "The action \(action ?? "(none)") is not valid for this endpoint: SendEmail and "
          + "SendRawEmail are", field: "Action")
      error.code = "InvalidAction"
      throw error
    }
  }

  private static func memberIndex(_ name: String) -> Int {
    Int(name.split(separator: ".").last ?? "") ?? 0
  }

  private static func base64(_ text: String, field: String) throws(CompatibleError) -> [UInt8] {
    guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
      throw .badRequest("is not base64", field: field)
    }
    return Array(data)
  }
}
