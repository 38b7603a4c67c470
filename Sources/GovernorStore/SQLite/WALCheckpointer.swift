import Foundation
import GRDB

/// Copies the write-ahead log back into the database file from a connection of its own, a few
/// times a second, so the writer does not have to. Left to SQLite, the commit that takes the
/// log past 1,000 pages does the copy and an fsync of the database file itself, under the write
/// lock: every request queued behind it waits (8% of the writer's time under load). A passive
/// checkpoint takes no write lock; the writer keeps committing while it runs.
///
/// A thread of its own, not a task: the store closes this connection before its own `deinit`
/// returns (the last connection to close checkpoints and removes the log, and anything opening
/// the file right after must not find it doing so), and waiting for a task there could block
/// the cooperative pool that task needs.
final class WALCheckpointer: Sendable {
  /// Pages in the log past which the writer checkpoints after all, should this one fall
  /// behind (16 MB with 4 KB pages).
  static let writerFallbackPages = 4_000

  private final class State: @unchecked Sendable {
    // Guards every field; @unchecked Sendable rests on that.
    let condition = NSCondition()
    var connection: DatabaseQueue?
    var stopping = false
    var stopped = false
  }

  private let state = State()

  init(path: String, every interval: TimeInterval = 0.1) throws {
    state.connection = try DatabaseQueue(path: path)
    let thread = Thread { [state] in Self.run(state, every: interval) }
    thread.name = "governor-checkpoint"
    thread.start()
  }

  deinit {
    state.condition.lock()
    state.stopping = true
    state.condition.broadcast()
    while !state.stopped { state.condition.wait() }
    state.condition.unlock()
  }

  private static func run(_ state: State, every interval: TimeInterval) {
    state.condition.lock()
    while !state.stopping {
      _ = state.condition.wait(until: Date(timeIntervalSinceNow: interval))
      guard !state.stopping, let connection = state.connection else { break }
      state.condition.unlock()
      _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
      state.condition.lock()
    }
    // Closed here, before `deinit` is let go.
    state.connection = nil
    state.stopped = true
    state.condition.broadcast()
    state.condition.unlock()
  }
}
