import Synchronization

/// The work did not finish in time; it may still finish (and what it did stays done), but
/// its caller has stopped waiting.
public struct DeadlineExceeded: Error, Hashable, Sendable {
  public var limit: Duration
}

/// `work`'s result, or `DeadlineExceeded` once `limit` has passed, whichever comes first.
/// Unlike a task group, it does not wait for work that ignores cancellation: a store that
/// waits for a database that is gone (PostgresNIO's pool waits for a connection with no bound
/// of its own) must not hold the client with it.
public func withDeadline<T: Sendable>(
  _ limit: Duration, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
  let race = Race()
  return try await withCheckedThrowingContinuation { continuation in
    let worker = Task {
      let result: Result<T, any Error>
      do {
        result = .success(try await work())
      } catch {
        result = .failure(error)
      }
      race.finishTimer()
      if race.claim() { continuation.resume(with: result) }
    }
    race.start(
      Task {
        try? await Task.sleep(for: limit)
        guard !Task.isCancelled, race.claim() else { return }
        worker.cancel()
        continuation.resume(throwing: DeadlineExceeded(limit: limit))
      })
  }
}

/// Who answers first: the work or the timer. The timer is cancelled as soon as the work ends,
/// even if that was before the timer was handed over.
private final class Race: Sendable {
  private let answered = Atomic<Bool>(false)
  private let timer = Mutex<(task: Task<Void, Never>?, finished: Bool)>((nil, false))

  func claim() -> Bool {
    answered.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
      .exchanged
  }

  func start(_ task: Task<Void, Never>) {
    let finished = timer.withLock { state in
      state.task = task
      return state.finished
    }
    if finished { task.cancel() }
  }

  func finishTimer() {
    let task = timer.withLock { state in
      state.finished = true
      return state.task
    }
    task?.cancel()
  }
}
