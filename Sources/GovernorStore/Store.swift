import Foundation
import GovernorCore

/// What the governor remembers: customers, their consent and suppressions, what was sent,
/// and every decision. Two backends implement it and pass one contract suite: SQLite (the
/// embedded default) and PostgreSQL (for several gateway processes).
///
/// One protocol per role, each in its own file under `Roles/` with its record types.
public protocol Store:
  CustomerRecords, SendLedger, AuditLog, DeferredQueue, APIKeyStore, PolicyTexts, DeliveryCounts,
  BrakeLog
{
  /// Whether an operation can wait for the database with no bound of its own (PostgresNIO's
  /// pool waits for a connection while PostgreSQL is down); callers then bound it themselves.
  /// SQLite fails at once (a full disk) or waits its busy timeout.
  var waitsWithoutBound: Bool { get }
}

extension Store {
  public var waitsWithoutBound: Bool { false }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
  case unknownCustomer(String)
  case unknownReservation(String)
  case badStoredValue(String)
  /// A read-only open found no store file to read.
  case noStore(path: String)

  public var description: String {
    switch self {
    case .noStore(let path): return "there is no store at \(path)"
    case .unknownCustomer(let id): return "no customer '\(id)'"
    case .unknownReservation(let id): return "no reservation for message '\(id)'"
    case .badStoredValue(let what): return "the store holds a value it cannot read: \(what)"
    }
  }
}
