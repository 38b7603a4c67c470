import Foundation
import GRDB
import Synchronization

/// Group commit for SQLite: writes that arrive while a transaction is committing wait and then
/// share the next one, so the rows of many requests cost one fsync instead of one each (with
/// `synchronous=FULL` on this VM's disk, one fsync per commit caps the store near 5,500
/// commits/s). Nothing is answered early: a caller resumes only after the transaction holding
/// its rows is durable.
///
/// Each write runs in its own savepoint, so one that throws is undone alone and the others in
/// its transaction still commit; writes run one after another in arrival order, so each sees
/// every earlier write (a cap's last slot, the audit chain's last hash) exactly as if it had
/// its own transaction. GRDB serialises writers but commits each one separately; batching
/// across callers is what it does not do, hence this type.
final class GroupCommit: Sendable {
  /// Finishes one caller once its transaction's fate is known: nil for committed.
  typealias Answer = @Sendable (Error?) -> Void

  private struct Job: Sendable {
    /// Runs the write inside the shared transaction and says how to answer its caller;
    /// throws only when the shared transaction itself can no longer be trusted.
    let run: @Sendable (Database) throws -> Answer
    /// Answers a caller whose write never ran (the transaction could not begin).
    let fail: @Sendable (Error) -> Void
  }

  private struct Queue {
    var jobs: [Job] = []
    var draining = false
  }

  private let pool: DatabasePool
  private let queue = Mutex(Queue())
  /// Bounds one transaction, so the first writer in it does not wait behind an unbounded crowd.
  private let largestBatch: Int

  init(pool: DatabasePool, largestBatch: Int = 256) {
    self.pool = pool
    self.largestBatch = largestBatch
  }

  /// Runs `body` in the next shared IMMEDIATE transaction and returns once it is committed.
  func perform<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws
    -> T
  {
    try await withCheckedThrowingContinuation { continuation in
      enqueue(
        Job(
          run: { db in
            let value: T
            do {
              value = try Self.inSavepoint(db) { try body(db) }
            } catch let lost as SavepointLost {
              throw lost.error
            } catch {
              return { _ in continuation.resume(throwing: error) }
            }
            return { failure in
              if let failure {
                continuation.resume(throwing: failure)
              } else {
                continuation.resume(returning: value)
              }
            }
          },
          fail: { continuation.resume(throwing: $0) }))
    }
  }

  /// Runs `body` in a savepoint of its own, undone alone if it throws. Not GRDB's
  /// `inSavepoint`, which prepares its two statements anew on every call (two parses per
  /// write, under the write lock); these are prepared once per connection.
  private static func inSavepoint<T>(_ db: Database, _ body: () throws -> T) throws -> T {
    try db.cachedStatement(sql: "SAVEPOINT job").execute()
    let value: T
    do {
      value = try body()
    } catch {
      do {
        try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT job").execute()
        try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
      } catch {
        // SQLite rolled the whole transaction back (a full disk, an I/O error) or the write
        // cannot be undone alone: nothing in this batch may commit.
        throw SavepointLost(error: error)
      }
      throw error
    }
    do {
      try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
    } catch {
      throw SavepointLost(error: error)
    }
    return value
  }

  private struct SavepointLost: Error {
    var error: any Error
  }

  private func enqueue(_ job: Job) {
    let startsDrain = queue.withLock { queue in
      queue.jobs.append(job)
      guard !queue.draining else { return false }
      queue.draining = true
      return true
    }
    if startsDrain { Task.detached { await self.drain() } }
  }

  private func nextBatch() -> [Job] {
    queue.withLock { queue in
      guard !queue.jobs.isEmpty else {
        queue.draining = false
        return []
      }
      let count = min(largestBatch, queue.jobs.count)
      let batch = Array(queue.jobs.prefix(count))
      queue.jobs.removeFirst(count)
      return batch
    }
  }

  private func drain() async {
    while true {
      let batch = nextBatch()
      if batch.isEmpty { return }
      do {
        try await pool.writeWithoutTransaction { db in Self.commit(batch, db) }
      } catch {
        // The writer could not be had at all: no job ran.
        for job in batch { job.fail(error) }
      }
    }
  }

  private static func commit(_ batch: [Job], _ db: Database) {
    var answers: [Answer] = []
    answers.reserveCapacity(batch.count)
    do {
      try db.inTransaction(.immediate) {
        for job in batch { answers.append(try job.run(db)) }
        return .commit
      }
    } catch {
      for answer in answers { answer(error) }
      for job in batch.dropFirst(answers.count) { job.fail(error) }
      return
    }
    for answer in answers { answer(nil) }
  }
}
