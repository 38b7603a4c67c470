import Foundation
import GovernorCore

/// The body of SendGrid's v3 `POST /v3/mail/send`, as its SDKs write it. Fields the governor
/// has no use for are not declared and so not read (`ip_pool_name`); `dynamic_template_data`
/// is read from the body itself (`SendGridMessages.templateData`). The README lists what is
/// honoured, ignored or refused.
struct SendGridMail: Decodable {
  struct Address: Decodable {
    var email: String
    var name: String?
  }

  struct Personalization: Decodable {
    var to: [Address]?
    var cc: [Address]?
    var bcc: [Address]?
    var from: Address?
    var subject: String?
    var headers: [String: String]?
    var substitutions: [String: String]?
    var customArgs: [String: String]?
    var sendAt: Int?
  }

  struct Content: Decodable {
    var type: String
    var value: String
  }

  struct Attachment: Decodable {
    var content: String
    var type: String?
    var filename: String
    var disposition: String?
    var contentId: String?
  }

  struct UnsubscribeGroup: Decodable {
    var groupId: Int
  }

  struct Toggle: Decodable {
    var enable: Bool?
  }

  struct MailSettings: Decodable {
    var sandboxMode: Toggle?
  }

  struct TrackingSettings: Decodable {
    var clickTracking: Toggle?
    var openTracking: Toggle?
    var ganalytics: Toggle?

    /// What the client turned off; nil when it turned nothing off.
    var requested: SenderTracking? {
      let asked = SenderTracking(
        opens: openTracking?.enable ?? true, clicks: clickTracking?.enable ?? true,
        linkParameters: ganalytics?.enable ?? true)
      return asked.isAllowed ? nil : asked
    }
  }

  var personalizations: [Personalization]
  var from: Address
  var replyTo: Address?
  var replyToList: [Address]?
  var subject: String?
  var content: [Content]?
  var attachments: [Attachment]?
  var templateId: String?
  var headers: [String: String]?
  var categories: [String]?
  var customArgs: [String: String]?
  var sendAt: Int?
  var batchId: String?
  var asm: UnsubscribeGroup?
  var mailSettings: MailSettings?
  var trackingSettings: TrackingSettings?

  var sandbox: Bool { mailSettings?.sandboxMode?.enable ?? false }

  /// Reads the body as SendGrid does, naming the field of the first thing wrong in its
  /// `personalizations.0.to.0.email` form.
  static func decode(_ body: Data) throws(CompatibleError) -> SendGridMail {
    do {
      return try CompatibleJSON.decode(SendGridMail.self, from: body)
    } catch {
      let problem = error.problems[0]
      guard problem.field != "body" else {
        throw .badRequest("Bad Request: the body is not valid JSON.", field: nil)
      }
      throw .badRequest("The \(problem.field) field \(problem.problem).", field: problem.field)
    }
  }
}
