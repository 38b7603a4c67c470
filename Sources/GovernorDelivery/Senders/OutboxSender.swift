import Foundation
import GovernorCore

/// The default sender: each forwarded message lands in a folder as `ID.eml` (what a mail
/// server would get) and `ID.json` (the message as the governor received it), for
/// development and for tools that pick mail up from disk. The .json also says what tracking of
/// its own whatever sends it on may add (`tracking`, as the webhook sender writes it).
public struct OutboxSender: MailSender {
  public let folder: URL
  public let description: String

  public init(folder: String) {
    self.folder = URL(fileURLWithPath: folder)
    description = "outbox:\(folder)"
  }

  struct Record: Encodable {
    var message: Message
    var tracking: SenderTracking

    func encode(to encoder: any Encoder) throws {
      try message.encode(to: encoder)
      var container = encoder.container(keyedBy: Key.self)
      try container.encode(tracking, forKey: .tracking)
    }

    enum Key: String, CodingKey { case tracking }
  }

  public func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult {
    let name = MIMEMessage.messageIdLocalPart(message.id).replacingOccurrences(of: "/", with: "_")
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      encoder.dateEncodingStrategy = .iso8601
      // The .json last: a reader that sees it can rely on the .eml being complete.
      try Data(MIMEMessage.render(message, date: Date()).utf8)
        .write(to: folder.appendingPathComponent(name + ".eml"), options: .atomic)
      try encoder.encode(Record(message: message, tracking: tracking))
        .write(to: folder.appendingPathComponent(name + ".json"), options: .atomic)
      return .delivered(reference: name + ".eml", attempts: 1)
    } catch {
      return .failed(reason: "outbox \(folder.path): \(error.localizedDescription)", attempts: 1)
    }
  }
}
