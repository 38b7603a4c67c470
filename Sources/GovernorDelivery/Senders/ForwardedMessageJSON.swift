import Foundation
import GovernorCore

/// The JSON the webhook posts and the outbox writes beside each `.eml`: the message as the
/// governor received it (the `POST /v1/messages` shape), what tracking of its own the
/// receiver may add (`tracking`), and for the webhook the rendered RFC 5322 message (`mime`).
struct ForwardedMessageJSON: Encodable {
  var message: Message
  var tracking: SenderTracking
  var mime: String?

  func encode(to encoder: any Encoder) throws {
    try message.encode(to: encoder)
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(tracking, forKey: .tracking)
    try container.encodeIfPresent(mime, forKey: .mime)
  }

  enum Key: String, CodingKey { case mime, tracking }

  /// The webhook's body: the same bytes as `encoded(_:tracking:mime:)` (a test holds them
  /// equal), written with `CanonicalJSON`, because `JSONEncoder` was 4% of the gateway's CPU
  /// under load.
  static func compact(_ message: Message, tracking: SenderTracking, mime: String) -> Data {
    var json = CanonicalJSON()
    json.object { json in
      if let campaignId = message.campaignId {
        json.key("campaign_id")
        json.string(campaignId)
      }
      json.key("category")
      json.string(message.category)
      json.key("customer_id")
      json.string(message.customerId)
      json.key("from")
      json.string(message.from)
      json.key("headers")
      json.object { json in
        for (name, value) in message.headers.sorted(by: {
          $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
        }) {
          json.key(name)
          json.string(value)
        }
      }
      if let html = message.html {
        json.key("html")
        json.string(html)
      }
      json.key("id")
      json.string(message.id)
      json.key("mime")
      json.string(mime)
      if let receivedAt = message.receivedAt {
        json.key("received_at")
        json.date(receivedAt)
      }
      json.key("subject")
      json.string(message.subject)
      if let text = message.text {
        json.key("text")
        json.string(text)
      }
      json.key("to")
      json.string(message.to)
      json.key("tracking")
      json.object { json in
        json.key("clicks")
        json.bool(tracking.clicks)
        json.key("link_parameters")
        json.bool(tracking.linkParameters)
        json.key("opens")
        json.bool(tracking.opens)
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
