import Foundation
import GovernorCore
import GovernorService

/// A campaign's recipients read in batches: listed in the campaign file, or streamed from its
/// CSV in pieces, so a list of any size is read in constant memory.
struct RecipientStream: RecipientBatches {
  let source: CampaignFile.Recipients

  init(_ source: CampaignFile.Recipients) {
    self.source = source
  }

  /// Reads the whole list once, without deciding anything: the recipients are counted, the
  /// customers they name collected (their states are then read in one go), and every problem
  /// in the CSV found before a single row is decided or printed.
  func survey() throws -> (count: Int, customerIds: Set<String>) {
    var total = 0
    var customerIds: Set<String> = []
    var pieces = Pieces(source: source)
    while let recipients = try pieces.next() {
      total += recipients.count
      for recipient in recipients { customerIds.insert(recipient.customerId) }
    }
    if !pieces.problems.isEmpty { throw CampaignFileError(diagnostics: pieces.problems) }
    return (total, customerIds)
  }

  /// Calls `body` with batches of at most `size` recipients and how many were read so far.
  func forEachBatch(
    of size: Int, _ body: ([Recipient], Int) async throws -> Void
  ) async throws {
    var batch: [Recipient] = []
    batch.reserveCapacity(size)
    var read = 0
    var pieces = Pieces(source: source)
    while let recipients = try pieces.next() {
      if !pieces.problems.isEmpty { throw CampaignFileError(diagnostics: pieces.problems) }
      for recipient in recipients {
        batch.append(recipient)
        if batch.count == size {
          read += batch.count
          try await body(batch, read)
          batch.removeAll(keepingCapacity: true)
        }
      }
    }
    if !pieces.problems.isEmpty { throw CampaignFileError(diagnostics: pieces.problems) }
    if !batch.isEmpty {
      read += batch.count
      try await body(batch, read)
    }
  }

  /// The recipients a piece of the file completes, one piece at a time.
  private struct Pieces {
    static let pieceSize = 1 << 20
    let source: CampaignFile.Recipients
    var handle: FileHandle?
    var parser: RecipientCSV?
    var finished = false
    var problems: [Diagnostic] { parser?.problems ?? [] }

    init(source: CampaignFile.Recipients) {
      self.source = source
    }

    mutating func next() throws -> [Recipient]? {
      guard !finished else { return nil }
      switch source {
      case .listed(let recipients):
        finished = true
        return recipients
      case .file(let path):
        if handle == nil {
          guard let opened = FileHandle(forReadingAtPath: path) else {
            throw CampaignFileError(diagnostics: [
              Diagnostic(file: path, line: 1, column: 1, message: "cannot read the file")
            ])
          }
          handle = opened
          parser = RecipientCSV(file: path)
        }
        guard var parser, let handle else { return nil }
        let piece = try handle.read(upToCount: Self.pieceSize) ?? Data()
        let recipients: [Recipient]
        if piece.isEmpty {
          recipients = parser.finish()
          finished = true
          try handle.close()
        } else {
          recipients = parser.feed(piece)
        }
        self.parser = parser
        return recipients
      }
    }
  }
}
