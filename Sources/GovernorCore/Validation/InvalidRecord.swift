import Foundation

/// One thing wrong with one field of a record someone asked us to store.
public struct FieldProblem: Hashable, Sendable, Encodable, CustomStringConvertible {
  /// The field as the API spells it: `purpose`, `frequency_preference.max`, `items[2].at`.
  public var field: String
  public var problem: String

  public init(field: String, problem: String) {
    self.field = field
    self.problem = problem
  }

  public var description: String { "\(field): \(problem)" }
}

/// A record refused before anything was stored, with every problem found in it.
public struct InvalidRecord: Error, Hashable, Sendable, CustomStringConvertible {
  public var problems: [FieldProblem]

  public init(_ problems: [FieldProblem]) {
    self.problems = problems
  }

  public init(field: String, problem: String) {
    self.init([FieldProblem(field: field, problem: problem)])
  }

  public var description: String { problems.map(\.description).joined(separator: "; ") }
}

/// A record that passed `RecordValidator`. The store only takes records in this wrapper, so
/// nothing reaches it unchecked.
public struct Validated<Record: Sendable>: Sendable {
  public let record: Record
  /// When it was checked, for records checked against a time (consent events, suppressions):
  /// the moment the governor took it, which the store keeps beside the record's own time.
  public let checkedAt: Date?

  init(_ record: Record, at checkedAt: Date? = nil) {
    self.record = record
    self.checkedAt = checkedAt
  }
}
