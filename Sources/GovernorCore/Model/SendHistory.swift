import Foundation

/// One message already sent (or reserved) to the customer; it counts against caps.
public struct SendRecord: Codable, Hashable, Sendable {
  public var at: Date
  public var category: String
  public var campaignId: String?

  public init(at: Date, category: String, campaignId: String? = nil) {
    self.at = at
    self.category = category
    self.campaignId = campaignId
  }

  enum CodingKeys: String, CodingKey {
    case at, category
    case campaignId = "campaign_id"
  }
}

/// A customer's sends, kept sorted by time so that a window is found by binary search and
/// only the sends inside it are read.
public struct SendHistory: Hashable, Sendable, RandomAccessCollection {
  public private(set) var records: [SendRecord]

  public init(_ records: [SendRecord] = []) {
    self.records = records.sorted { $0.at < $1.at }
  }

  public var startIndex: Int { records.startIndex }
  public var endIndex: Int { records.endIndex }
  public subscript(position: Int) -> SendRecord { records[position] }

  public mutating func append(_ record: SendRecord) {
    if let last = records.last, last.at > record.at {
      records.insert(record, at: firstIndex(atOrAfter: record.at))
    } else {
      records.append(record)
    }
  }

  /// The index of the first send at or after `instant` (`endIndex` when there is none).
  public func firstIndex(atOrAfter instant: Date) -> Int {
    var low = 0
    var high = records.count
    while low < high {
      let middle = (low + high) >> 1
      if records[middle].at < instant { low = middle + 1 } else { high = middle }
    }
    return low
  }
}

extension SendHistory: Codable {
  public init(from decoder: any Decoder) throws {
    self.init(try [SendRecord](from: decoder))
  }

  public func encode(to encoder: any Encoder) throws {
    try records.encode(to: encoder)
  }
}
