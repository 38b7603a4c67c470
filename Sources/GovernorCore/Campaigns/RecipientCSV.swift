import Foundation

/// Reads a campaign's recipient list, CSV (RFC 4180: commas, fields optionally in double
/// quotes with `""` for a quote, LF or CRLF lines) with a header row naming a `customer_id`
/// column and optionally an `email` column; other columns are ignored.
///
/// Fed in pieces, so a list of any size is read in constant memory. Written by hand: no listed
/// library reads CSV. Problems are collected with their line (up to `maximumProblems`, then
/// reading goes on counting rows), so one run shows what to fix.
public struct RecipientCSV {
  public let file: String
  public private(set) var problems: [Diagnostic] = []
  /// Data rows read, blank lines not counted.
  public private(set) var rows = 0
  public static let maximumProblems = 20

  private var pending: [UInt8] = []
  private var line = 1
  /// The columns, once the header row is read; `customerId` nil when it names none (then
  /// rows are only counted: every one would repeat the header's problem).
  private var header: (customerId: Int?, email: Int?)?

  public init(file: String) {
    self.file = file
  }

  /// The recipients in the records `piece` completes.
  public mutating func feed(_ piece: some Collection<UInt8>) -> [Recipient] {
    pending.append(contentsOf: piece)
    return readRecords(final: false)
  }

  /// The recipients in what is left.
  public mutating func finish() -> [Recipient] {
    let recipients = readRecords(final: true)
    if header == nil && problems.isEmpty {
      report("the file is empty; it needs a header row naming customer_id", line: 1, column: 1)
    }
    return recipients
  }

  private mutating func readRecords(final: Bool) -> [Recipient] {
    var recipients: [Recipient] = []
    var start = 0
    var index = 0
    var quoted = false
    // Line breaks inside quoted fields, so reported lines match an editor's.
    var quotedBreaks = 0
    while index < pending.count {
      let byte = pending[index]
      if byte == UInt8(ascii: "\"") {
        quoted.toggle()
      } else if byte == UInt8(ascii: "\n") {
        if quoted {
          quotedBreaks += 1
        } else {
          if let recipient = record(start..<index) { recipients.append(recipient) }
          line += 1 + quotedBreaks
          quotedBreaks = 0
          start = index + 1
        }
      }
      index += 1
    }
    if final && start < pending.count {
      if quoted {
        report("a quoted field is not closed before the end of the file", line: line, column: 1)
      } else if let recipient = record(start..<pending.count) {
        recipients.append(recipient)
      }
      start = pending.count
    }
    pending.removeFirst(start)
    return recipients
  }

  private mutating func record(_ range: Range<Int>) -> Recipient? {
    var end = range.upperBound
    if end > range.lowerBound && pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    var start = range.lowerBound
    if line == 1 && pending[start..<end].starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
    guard start < end else { return nil }  // a blank line
    guard let header else {
      readHeader(Self.fields(pending[start..<end], wanted: nil))
      return nil
    }
    rows += 1
    guard let column = header.customerId else { return nil }
    let fields = Self.fields(pending[start..<end], wanted: (column, header.email ?? -1))
    let id = column < fields.count ? fields[column] : ""
    guard !id.isEmpty else {
      report("customer_id is empty", line: line, column: 1)
      return nil
    }
    guard id.count <= 200 else {
      report("customer_id must be at most 200 characters", line: line, column: 1)
      return nil
    }
    let email = header.email.flatMap { $0 < fields.count ? fields[$0] : nil }
    return Recipient(customerId: id, email: email?.isEmpty == false ? email : nil)
  }

  private mutating func readHeader(_ fields: [String]) {
    let names = fields.map { $0.lowercased() }
    guard let customerId = names.firstIndex(of: "customer_id") else {
      report(
        "the header row must name a customer_id column (it names \(names.joined(separator: ", ")))",
        line: line, column: 1)
      header = (customerId: nil, email: nil)
      return
    }
    header = (customerId, names.firstIndex(of: "email"))
  }

  private mutating func report(_ message: String, line: Int, column: Int) {
    guard problems.count < Self.maximumProblems else { return }
    problems.append(Diagnostic(file: file, line: line, column: column, message: message))
  }

  /// One record's fields by position, quotes taken off and spaces and tabs around each
  /// trimmed; only the `wanted` positions become strings (nil: all of them). Over the bytes:
  /// Foundation's trimming went through NSString and was most of a run's time.
  static func fields(_ bytes: ArraySlice<UInt8>, wanted: (Int, Int)?) -> [String] {
    var fields: [String] = []
    var field: [UInt8] = []
    var position = 0
    var quoted = false
    var index = bytes.startIndex
    func finish() {
      defer {
        field.removeAll(keepingCapacity: true)
        position += 1
      }
      guard wanted.map({ $0.0 == position || $0.1 == position }) ?? true else {
        fields.append("")
        return
      }
      var start = field.startIndex
      var end = field.endIndex
      while start < end && (field[start] == 0x20 || field[start] == 0x09) { start += 1 }
      while end > start && (field[end - 1] == 0x20 || field[end - 1] == 0x09) { end -= 1 }
      fields.append(String(decoding: field[start..<end], as: UTF8.self))
    }
    while index < bytes.endIndex {
      let byte = bytes[index]
      if quoted {
        if byte == UInt8(ascii: "\"") {
          if index + 1 < bytes.endIndex && bytes[index + 1] == UInt8(ascii: "\"") {
            field.append(byte)
            index += 1
          } else {
            quoted = false
          }
        } else {
          field.append(byte)
        }
      } else if byte == UInt8(ascii: "\"") {
        quoted = true
      } else if byte == UInt8(ascii: ",") {
        finish()
      } else {
        field.append(byte)
      }
      index += 1
    }
    finish()
    return fields
  }
}
