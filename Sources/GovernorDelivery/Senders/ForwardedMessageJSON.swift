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
