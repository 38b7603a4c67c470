import Foundation
import GovernorCore
import GovernorService
import Hummingbird
import NIOCore

/// `POST /v1/dry-run` (scope `dry-run`): a campaign tool asks what sending a campaign would
/// do, with the same engine, store and counting as `governor dry-run`, and nothing recorded.
///
/// The answer streams as NDJSON (`application/x-ndjson`), one line per recipient in the
/// order given and a last line `{"summary":…}`, so a large campaign's result is read while it
/// is being decided instead of held whole on either side.
extension GatewayRoutes {
  /// A million recipients as JSON is about 40 MB.
  static let dryRunBodyLimit = 64 << 20

  static func addDryRunRoutes(_ router: RouteTable, _ gateway: Gateway) {
    router.needing([.dryRun]).post("/v1/dry-run") { request, context -> Response in
      let body = try await request.bodyData(upTo: dryRunBodyLimit)
      let input = try RecordDecoding.decode(DryRunInput.self, from: body)
      let campaign = try input.campaign(defaultSendAt: gateway.clock())
      let recipients = input.recipients.map {
        Recipient(customerId: $0.customerId, email: $0.email)
      }
      let logger = context.logger
      let stream = ResponseBody { writer in
        let summary: DryRunSummary
        do {
          summary = try await gateway.dryRun(campaign, recipients: recipients) {
            batch, decisions in
            var lines = ""
            for (recipient, decision) in zip(batch, decisions) {
              lines += DryRunRow.json(recipient, decision)
              lines += "\n"
            }
            try await writer.write(ByteBuffer(string: lines))
          }
        } catch {
          // The status line is gone; the stream ends with a line saying why.
          logger.error("dry-run failed", metadata: ["error": "\(error)"])
          try await writer.write(
            ByteBuffer(string: #"{"error":"the store could not be read"}"# + "\n"))
          try await writer.finish(nil)
          return
        }
        let text = String(decoding: try summaryEncoder.encode(summary), as: UTF8.self)
        try await writer.write(ByteBuffer(string: #"{"summary":"# + text + "}\n"))
        try await writer.finish(nil)
      }
      return Response(
        status: .ok, headers: [.contentType: "application/x-ndjson"], body: stream)
    }
  }

  static let summaryEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()
}

/// The body of `POST /v1/dry-run`.
struct DryRunInput: Decodable {
  struct CampaignFields: Decodable {
    var id: String
    var category: String
    var sendAt: Date?
    var from: String
    var subject: String
    var html: String?
    var text: String?

    enum CodingKeys: String, CodingKey {
      case id, category, from, subject, html, text
      case sendAt = "send_at"
    }
  }

  struct RecipientFields: Decodable {
    var customerId: String
    var email: String?

    enum CodingKeys: String, CodingKey {
      case email
      case customerId = "customer_id"
    }
  }

  var campaign: CampaignFields
  var recipients: [RecipientFields]

  func campaign(defaultSendAt: Date) throws(InvalidRecord) -> Campaign {
    var problems: [FieldProblem] = []
    if campaign.id.trimmingCharacters(in: .whitespaces).isEmpty {
      problems.append(FieldProblem(field: "campaign.id", problem: "must not be empty"))
    }
    if campaign.html == nil && campaign.text == nil {
      problems.append(FieldProblem(field: "campaign.html", problem: "or campaign.text is required"))
    }
    for (index, recipient) in recipients.enumerated() {
      let id = recipient.customerId.trimmingCharacters(in: .whitespaces)
      if id.isEmpty || id.count > 200 {
        problems.append(
          FieldProblem(
            field: "recipients[\(index)].customer_id", problem: "must be 1 to 200 characters"))
      }
      if problems.count >= 20 { break }
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    return Campaign(
      id: campaign.id, category: campaign.category, sendAt: campaign.sendAt ?? defaultSendAt,
      from: campaign.from, subject: campaign.subject, html: campaign.html, text: campaign.text,
      recipients: [])
  }
}
