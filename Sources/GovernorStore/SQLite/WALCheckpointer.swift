import Foundation
import GRDB

/// Copies the write-ahead log back into the database file from a connection of its own, a few
/// times a second, so the writer does not have to. Left to SQLite, the commit that takes the
/// log past 1,000 pages does the copy and an fsync of the database file itself, under the write
/// lock: every request queued behind it waits (8% of the writer's time under load). A passive
/// checkpoint takes no write lock; the writer keeps committing while it runs.
final class WALCheckpointer: Sendable {
  /// Pages in the log past which the writer checkpoints after all, should this one fall
  /// behind (16 MB with 4 KB pages).
  static let writerFallbackPages = 4_000

  private let task: Task<Void, Never>

  init(path: String, every interval: Duration = .milliseconds(100)) throws {
    let connection = try DatabaseQueue(path: path)
    task = Task.detached(priority: .utility) {
      while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        _ = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
      }
    }
  }

  deinit {
    task.cancel()
  }
}
