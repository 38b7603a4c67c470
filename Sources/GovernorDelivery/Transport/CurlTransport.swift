import Foundation

/// HTTP over libcurl on a fixed set of worker threads of its own.
///
/// libcurl's easy interface blocks, so it never runs on a NIO event loop or the Swift
/// concurrency pool: each worker thread owns one reused handle, and callers wait on a
/// continuation. The number of workers bounds how many requests are in flight; further
/// requests queue in arrival order.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
  public struct Configuration: Sendable {
    public var connectTimeout: TimeInterval
    public var totalTimeout: TimeInterval
    /// A PEM bundle to trust instead of the system's CAs (TLS is always verified).
    public var caFile: String?
    public var maxConcurrent: Int

    public init(
      connectTimeout: TimeInterval = 5, totalTimeout: TimeInterval = 30, caFile: String? = nil,
      maxConcurrent: Int = 16
    ) {
      self.connectTimeout = connectTimeout
      self.totalTimeout = totalTimeout
      self.caFile = caFile
      self.maxConcurrent = maxConcurrent
    }
  }

  private struct Job {
    var request: SenderRequest
    var continuation: CheckedContinuation<SenderResponse, any Error>
  }

  public let configuration: Configuration
  // Guards `queue`, `stopped` and `running`; @unchecked Sendable rests on every access
  // holding it.
  private let condition = NSCondition()
  private var queue: [Job] = []
  private var queueStart = 0
  private var stopped = false
  /// Workers not yet finished, their libcurl handle included.
  private var running = 0

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
    let workers = max(1, configuration.maxConcurrent)
    running = workers
    for index in 0..<workers {
      let thread = Thread { [self] in work() }
      thread.name = "governor-curl-\(index)"
      thread.start()
    }
  }

  public func send(_ request: SenderRequest) async throws(TransportError) -> SenderResponse {
    do {
      return try await withCheckedThrowingContinuation { continuation in
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else {
          continuation.resume(throwing: TransportError(.shutDown, "the transport is shut down"))
          return
        }
        queue.append(Job(request: request, continuation: continuation))
        condition.signal()
      }
    } catch let error as TransportError {
      throw error
    } catch {
      throw TransportError(.connection, "\(error)")
    }
  }

  /// Lets running requests finish, fails queued ones, and returns once every worker has
  /// stopped and cleaned up its handle: a process that exits while a worker is still inside
  /// libcurl (initialising, or tearing down TLS state) can crash in libcurl's or OpenSSL's
  /// exit handlers — `governor serve` refusing to start did, under load.
  public func shutdown() {
    condition.lock()
    stopped = true
    let abandoned = queue[queueStart...]
    queue = []
    queueStart = 0
    condition.broadcast()
    condition.unlock()
    for job in abandoned {
      job.continuation.resume(throwing: TransportError(.shutDown, "the transport shut down"))
    }
    condition.lock()
    while running > 0 { condition.wait() }
    condition.unlock()
  }

  private func work() {
    serveJobs()
    condition.lock()
    running -= 1
    condition.broadcast()
    condition.unlock()
  }

  /// Takes jobs until the transport stops; the handle is cleaned up on return.
  private func serveJobs() {
    let handle = CurlHandle()
    while let job = next() {
      do {
        job.continuation.resume(
          returning: try handle.perform(job.request, configuration: configuration))
      } catch {
        job.continuation.resume(throwing: error)
      }
    }
  }

  private func next() -> Job? {
    condition.lock()
    defer { condition.unlock() }
    while queueStart == queue.count && !stopped { condition.wait() }
    guard !stopped else { return nil }
    let job = queue[queueStart]
    queueStart += 1
    // Drop the taken prefix now and then instead of shifting the array on every take.
    if queueStart > 64, queueStart * 2 > queue.count {
      queue.removeFirst(queueStart)
      queueStart = 0
    }
    return job
  }
}
