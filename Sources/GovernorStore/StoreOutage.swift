import GRDB
import PostgresNIO

/// Why the store cannot be used right now, for a reason that passes by itself or by an
/// operator's hand: a full disk, a failing disk, PostgreSQL restarting or out of reach. The
/// failed operation kept nothing (its transaction rolled back), so the same request later is
/// safe. Nil for anything else (a bug, a value the store cannot read): retrying will not help.
public enum StoreOutage {
  public static func reason(for error: any Error) -> String? {
    switch error {
    case let database as DatabaseError:
      return sqliteReason(database)
    case let postgres as PSQLError:
      return postgresReason(postgres)
    default:
      return nil
    }
  }

  private static func sqliteReason(_ error: DatabaseError) -> String? {
    let what: String
    switch error.resultCode {
    case .SQLITE_FULL: what = "the disk holding the store is full"
    case .SQLITE_IOERR: what = "the store's disk failed to read or write"
    case .SQLITE_BUSY, .SQLITE_LOCKED: what = "the store is busy"
    case .SQLITE_CANTOPEN: what = "the store's files cannot be opened"
    default: return nil
    }
    return what + " (SQLite: \(error.message ?? "\(error.resultCode)"))"
  }

  private static func postgresReason(_ error: PSQLError) -> String? {
    switch error.code {
    case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown,
      .poolClosed:
      return "PostgreSQL is out of reach (\(error.code))"
    case .server:
      // SQLSTATE classes 08 (connection), 53 (insufficient resources: disk full, out of
      // memory, too many connections), 57P (shutting down, starting up, crash recovery).
      let state = error.serverInfo?[.sqlState] ?? ""
      guard state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") else {
        return nil
      }
      return "PostgreSQL cannot serve now (SQLSTATE \(state): "
        + "\(error.serverInfo?[.message] ?? ""))"
    default:
      return nil
    }
  }
}
