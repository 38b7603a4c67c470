import Foundation
import Yams

/// A campaign as a marketer writes it for a dry-run: the message, where its HTML and text
/// live, and a CSV of recipients of any size.
///
/// ```yaml
/// id: spring26
/// category: marketing
/// send_at: 2026-03-20T09:00:00Z      # optional; the dry-run's own time when left out
/// message:
///   from: "Shop News <news@shop.example>"
///   subject: Spring is here
///   html_file: spring.html             # or html: inline text (same for text/text_file)
///   text_file: spring.txt
/// recipients_file: spring.csv          # customer_id[,email] with a header row
/// # or recipients: ["1001", "1002"]
/// ```
///
/// Files are named relative to the campaign file.
public struct CampaignFile: Sendable {
  /// The campaign with its message; `sendAt` is a placeholder when `sendAtGiven` is false, and
  /// `recipients` holds only the listed ones.
  public var campaign: Campaign
  public var sendAtGiven: Bool
  public var recipients: Recipients

  public enum Recipients: Sendable, Equatable {
    case listed([Recipient])
    /// A CSV file's path, resolved against the campaign file's folder.
    case file(String)
  }
}

/// One recipient of a campaign. The message goes to its address when the list gives one (an
/// address other than the profile's is an address mismatch, as at the gateway), else to the
/// profile's; for a customer the store does not know it is the only address there is (as the
/// gateway uses the message's `to`).
public struct Recipient: Hashable, Sendable {
  public var customerId: String
  public var email: String?

  public init(customerId: String, email: String? = nil) {
    self.customerId = customerId
    self.email = email
  }
}

/// A campaign file that cannot be used, with every problem found in it.
public struct CampaignFileError: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]

  public init(diagnostics: [Diagnostic]) {
    self.diagnostics = diagnostics
  }

  public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

public enum CampaignFileLoader {
  static let topLevelKeys = [
    "id", "category", "send_at", "message", "recipients", "recipients_file",
  ]
  static let messageKeys = ["from", "subject", "html", "html_file", "text", "text_file"]

  /// Reads the message files the campaign names, given their path as written; nil when one
  /// cannot be read.
  public typealias FileReader = (String) -> Data?

  /// Pure: handed the file's bytes and a reader for the files it names.
  public static func load(_ source: Data, file: String, files: FileReader)
    -> Result<CampaignFile, CampaignFileError>
  {
    let reader = PolicyReader(file: file)
    let loaded = read(source, file: file, files: files, reader: reader)
    guard let loaded, reader.diagnostics.isEmpty else {
      // In reading order, whatever order the fields were checked in.
      let ordered = reader.diagnostics.enumerated().sorted {
        ($0.element.line, $0.element.column, $0.offset)
          < ($1.element.line, $1.element.column, $1.offset)
      }
      return .failure(CampaignFileError(diagnostics: ordered.map(\.element)))
    }
    return .success(loaded)
  }

  /// Reads the campaign file at `path` from disk; the files it names are read beside it.
  public static func load(file path: String) -> Result<CampaignFile, CampaignFileError> {
    guard let source = FileManager.default.contents(atPath: path) else {
      return .failure(
        CampaignFileError(diagnostics: [
          Diagnostic(file: path, line: 1, column: 1, message: "cannot read the file")
        ]))
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    return load(source, file: path) { name in
      FileManager.default.contents(atPath: resolve(name, in: folder))
    }
    .map { loaded in
      var loaded = loaded
      if case .file(let name) = loaded.recipients {
        loaded.recipients = .file(resolve(name, in: folder))
      }
      return loaded
    }
  }

  static func resolve(_ name: String, in folder: URL) -> String {
    name.hasPrefix("/") ? name : folder.appendingPathComponent(name).path
  }

  private static func read(
    _ source: Data, file: String, files: FileReader, reader: PolicyReader
  ) -> CampaignFile? {
    guard
      let root = PolicyLoader.compose(
        source, reader: reader, ifEmpty: "the campaign file is empty"),
      let fields = reader.fields(root, of: "the campaign", allowed: topLevelKeys)
    else { return nil }
    func required(_ key: String, in fields: Fields, _ what: String) -> Node? {
      guard let node = fields[key] else {
        reader.report("\(what) needs '\(key)'", at: fields.node)
        return nil
      }
      return node
    }
    let id = required("id", in: fields, "the campaign").flatMap { reader.string($0, "id") }
    let category = required("category", in: fields, "the campaign").flatMap {
      reader.string($0, "category")
    }
    var sendAt: Date?
    if let node = fields["send_at"], let text = reader.string(node, "send_at") {
      sendAt = try? Date(text, strategy: .iso8601)
      if sendAt == nil {
        reader.report(
          "send_at '\(text)' is not an RFC 3339 time such as 2026-11-27T09:00:00Z", at: node)
      }
    }
    let message = required("message", in: fields, "the campaign").flatMap {
      reader.fields($0, of: "message", allowed: messageKeys)
    }
    let from = message.flatMap { required("from", in: $0, "message") }
      .flatMap { reader.string($0, "message.from") }
    let subject = message.flatMap { required("subject", in: $0, "message") }
      .flatMap { reader.string($0, "message.subject") }
    let html = message.flatMap { part("html", of: $0, files: files, reader: reader) }
    let text = message.flatMap { part("text", of: $0, files: files, reader: reader) }
    if let message, message["html"] == nil, message["html_file"] == nil, message["text"] == nil,
      message["text_file"] == nil
    {
      reader.report("message needs html, html_file, text or text_file", at: message.node)
    }
    let recipients = readRecipients(fields, reader: reader)
    guard let id, let category, let from, let subject, let recipients else { return nil }
    var listed: [String] = []
    if case .listed(let list) = recipients { listed = list.map(\.customerId) }
    let campaign = Campaign(
      id: id, category: category, sendAt: sendAt ?? Date(timeIntervalSince1970: 0), from: from,
      subject: subject, html: html, text: text, recipients: listed)
    return CampaignFile(campaign: campaign, sendAtGiven: sendAt != nil, recipients: recipients)
  }

  /// `html` / `text` inline, or `html_file` / `text_file` read through `files`.
  private static func part(
    _ name: String, of message: Fields, files: FileReader, reader: PolicyReader
  ) -> String? {
    let inline = message[name]
    let file = message["\(name)_file"]
    if let inline, file != nil {
      reader.report("give message.\(name) or message.\(name)_file, not both", at: inline)
      return nil
    }
    if let inline { return reader.string(inline, "message.\(name)") }
    guard let file, let path = reader.string(file, "message.\(name)_file") else { return nil }
    guard let data = files(path) else {
      reader.report("message.\(name)_file '\(path)' cannot be read", at: file)
      return nil
    }
    guard let text = String(data: data, encoding: .utf8) else {
      reader.report("message.\(name)_file '\(path)' is not UTF-8 text", at: file)
      return nil
    }
    return text
  }

  private static func readRecipients(_ fields: Fields, reader: PolicyReader)
    -> CampaignFile.Recipients?
  {
    switch (fields["recipients"], fields["recipients_file"]) {
    case (let list?, nil):
      guard let entries = reader.strings(list, "recipients") else { return nil }
      return .listed(entries.map { Recipient(customerId: $0.value) })
    case (nil, let file?):
      return reader.string(file, "recipients_file").map { .file($0) }
    case (let list?, _?):
      reader.report("give recipients or recipients_file, not both", at: list)
      return nil
    case (nil, nil):
      reader.report("the campaign needs recipients or recipients_file", at: fields.node)
      return nil
    }
  }
}
