import Foundation
import GovernorCore
import MultipartKit
import NIOCore

/// A form as Mailgun's API takes it, `multipart/form-data` (with files) or
/// `application/x-www-form-urlencoded`: fields in order, a name repeated as often as the
/// client sent it (`to`, `o:tag`, `attachment`).
struct MailgunForm {
  struct Field {
    var name: String
    var value: [UInt8]
    /// Set for a file part.
    var filename: String?
    var contentType: String?

    var text: String { String(decoding: value, as: UTF8.self) }
  }

  var fields: [Field]

  /// The fields in name order (a name's repeats in the order sent), each part as its length
  /// and bytes: the same for the same form however a client ordered its fields (many build
  /// them from a dictionary) and whatever multipart boundary it chose. What a retry's
  /// request id is derived from.
  var canonicalBytes: [UInt8] {
    var out: [UInt8] = []
    let ordered = fields.enumerated().sorted {
      ($0.element.name, $0.offset) < ($1.element.name, $1.offset)
    }
    for field in ordered.map(\.element) {
      for part in [Array(field.name.utf8), Array((field.filename ?? "").utf8), field.value] {
        out += Array(String(part.count).utf8) + [0x3A] + part
      }
    }
    return out
  }

  func values(_ name: String) -> [String] {
    fields.filter { $0.name == name && $0.filename == nil }.map(\.text)
  }

  func first(_ name: String) -> String? { values(name).first }

  func files(_ name: String) -> [Field] {
    fields.filter { $0.name == name && ($0.filename != nil || name == "message") }
  }

  /// Reads the body by its Content-Type.
  static func read(_ body: ByteBuffer, contentType: String?) throws(InvalidRecord) -> MailgunForm {
    let type = MIMEParameters(contentType ?? "")
    switch type.value {
    case "multipart/form-data":
      guard let boundary = type.parameters["boundary"], !boundary.isEmpty else {
        throw InvalidRecord(field: "Content-Type", problem: "has no boundary")
      }
      return try multipart(body, boundary: boundary)
    case "application/x-www-form-urlencoded", "":
      return urlEncoded(String(buffer: body))
    default:
      throw InvalidRecord(
        field: "Content-Type",
        problem: "must be multipart/form-data or application/x-www-form-urlencoded, not "
          + "'\(type.value)'")
    }
  }

  static func multipart(_ body: ByteBuffer, boundary: String) throws(InvalidRecord)
    -> MailgunForm
  {
    var fields: [Field] = []
    var headers: [(String, String)] = []
    var value: [UInt8] = []
    let parser = MultipartParser(boundary: boundary)
    parser.onHeader = { name, content in headers.append((name, content)) }
    parser.onBody = { buffer in value += buffer.readableBytesView }
    parser.onPartComplete = {
      let disposition = headers.first { MIMEHeader.sameName($0.0, "Content-Disposition") }
        .map { MIMEParameters($0.1) }
      let type = headers.first { MIMEHeader.sameName($0.0, "Content-Type") }?.1
      if let name = disposition?.parameters["name"] {
        fields.append(
          Field(
            name: name, value: value, filename: disposition?.parameters["filename"],
            contentType: type))
      }
      headers = []
      value = []
    }
    do {
      try parser.execute(body)
    } catch {
      throw InvalidRecord(field: "body", problem: "is not valid multipart/form-data")
    }
    return MailgunForm(fields: fields)
  }

  /// `a=1&to=x%40y&to=z`: `+` is a space (the HTML form encoding, which every client writes).
  static func urlEncoded(_ text: String) -> MailgunForm {
    var fields: [Field] = []
    for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
      }
      let name = decode(parts[0])
      let value = parts.count == 2 ? decode(parts[1]) : ""
      fields.append(Field(name: name, value: Array(value.utf8)))
    }
    return MailgunForm(fields: fields)
  }
}
