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

  public func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult {
    let name = MIMEMessage.messageIdLocalPart(message.id).replacingOccurrences(of: "/", with: "_")
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      // The .json last: a reader that sees it can rely on the .eml being complete.
      try Data(MIMEMessage.bytes(message, date: Date()))
        .write(to: folder.appendingPathComponent(name + ".eml"), options: .atomic)
      try ForwardedMessageJSON.encoded(message, tracking: tracking, pretty: true)
        .write(to: folder.appendingPathComponent(name + ".json"), options: .atomic)
      return .delivered(reference: name + ".eml", attempts: 1)
    } catch {
      return .failed(reason: "outbox \(folder.path): \(error.localizedDescription)", attempts: 1)
    }
  }
}
