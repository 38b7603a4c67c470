import Foundation
import GovernorCore

/// The JSON the webhook posts and the outbox writes beside each `.eml`: the message as the
/// governor received it (the `POST /v1/messages` shape), what tracking of its own the
/// receiver may add (`tracking`), and for the webhook the rendered RFC 5322 message (`mime`).
/// `smtputf8: true` appears when an address's local part is not ASCII: the receiver must
/// relay it over SMTPUTF8 (RFC 6531) or not at all.
struct ForwardedMessageJSON: Encodable {
  var message: Message
  var tracking: SenderTracking
  var mime: String?

  func encode(to encoder: any Encoder) throws {
    // The whole message, when a door took one, is `mime` as rendered, not the source.
    var message = message
    message.mime = nil
    try message.encode(to: encoder)
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(tracking, forKey: .tracking)
    try container.encodeIfPresent(mime, forKey: .mime)
    if MIMEMessage.needsSMTPUTF8(message) { try container.encode(true, forKey: .smtputf8) }
  }

  enum Key: String, CodingKey { case mime, tracking, smtputf8 }

  /// The webhook's body: the same bytes as `encoded(_:tracking:mime:)` (a test holds them
  /// equal), written with `CanonicalJSON`, because `JSONEncoder` was 4% of the gateway's CPU
  /// under load.
  static func compact(_ message: Message, tracking: SenderTracking, mime: String) -> Data {
    var json = CanonicalJSON()
    json.object { json in
      json.field("campaign_id", message.campaignId)
      json.field("category", message.category)
      json.field("customer_id", message.customerId)
      json.field("from", message.from)
      json.key("headers")
      json.object { json in
        let headers = message.headers.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (name, value) in headers { json.field(name, value) }
      }
      json.field("html", message.html)
      json.field("id", message.id)
      json.field("mime", mime)
      if let receivedAt = message.receivedAt {
        json.key("received_at")
        json.date(receivedAt)
      }
      if MIMEMessage.needsSMTPUTF8(message) { json.field("smtputf8", true) }
      json.field("subject", message.subject)
      json.field("text", message.text)
      json.field("to", message.to)
      json.key("tracking")
      json.object { json in
        json.field("clicks", tracking.clicks)
        json.field("link_parameters", tracking.linkParameters)
        json.field("opens", tracking.opens)
      }
    }
    return Data(json.bytes)
  }

  /// Sorted keys, slashes as written, ISO 8601 dates; `pretty` for files people read.
  static func encoded(
    _ message: Message, tracking: SenderTracking, mime: String? = nil, pretty: Bool = false
  ) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
    encoder.dateEncodingStrategy = .iso8601
    return try encoder.encode(Self(message: message, tracking: tracking, mime: mime))
  }
}
