import CCurl
import Foundation

/// HTTP over libcurl's multi interface, driven by one thread of its own.
///
/// libcurl blocks, so it never runs on a NIO event loop or the Swift concurrency pool. One
/// thread runs every transfer at once: callers queue a request and wait on a continuation;
/// the thread takes what is queued each time it wakes, so under load one wake-up serves many
/// requests, where a thread per transfer meant a hand-off and a wake-up for each.
/// `maxConcurrent` bounds how many transfers are in flight; further requests queue in arrival
/// order.
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
  private let multi: UnsafeMutableRawPointer
  // Guards `queue`, `stopped` and `finished`; @unchecked Sendable rests on every access
  // holding it. The multi handle is woken only while holding it, and freed only while holding
  // it, so no wake-up can reach a freed handle. Everything else belongs to the loop thread.
  private let condition = NSCondition()
  private var queue: [Job] = []
  private var stopped = false
  /// The loop has ended and cleaned up its handles.
  private var finished = false
  private var idle: [CurlHandle] = []
  private var active: [ObjectIdentifier: (handle: CurlHandle, job: Job)] = [:]

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
    _ = CurlHandle.globalInit
    guard let multi = curl_multi_init() else { fatalError("libcurl could not create a handle") }
    self.multi = multi
    // Without a fixed size the cache is sized from the handles added at the moment, and a
    // handle leaves the multi handle after each transfer: in quiet moments between bursts the
    // cache shrank and closed kept-alive connections, so under load most sends opened a new
    // one.
    governor_curl_multi_set_long(
      multi, CURLMOPT_MAXCONNECTS, max(1, configuration.maxConcurrent) * 2)
    let thread = Thread { [self] in run() }
    thread.name = "governor-curl"
    thread.start()
  }

  public func send(_ request: SenderRequest) async throws(TransportError) -> SenderResponse {
    do {
      return try await withCheckedThrowingContinuation { continuation in
        condition.lock()
        guard !stopped else {
          condition.unlock()
          continuation.resume(throwing: TransportError(.shutDown, "the transport is shut down"))
          return
        }
        queue.append(Job(request: request, continuation: continuation))
        curl_multi_wakeup(multi)
        condition.unlock()
      }
    } catch let error as TransportError {
      throw error
    } catch {
      throw TransportError(.connection, "\(error)")
    }
  }

  /// Lets running requests finish, fails queued ones, and returns once the loop has stopped
  /// and cleaned up its handles: a process that exits while libcurl is still working
  /// (initialising, or tearing down TLS state) can crash in libcurl's or OpenSSL's exit
  /// handlers — `governor serve` refusing to start did, under load.
  public func shutdown() {
    condition.lock()
    stopped = true
    let abandoned = queue
    queue = []
    if !finished { curl_multi_wakeup(multi) }
    condition.unlock()
    for job in abandoned {
      job.continuation.resume(throwing: TransportError(.shutDown, "the transport shut down"))
    }
    condition.lock()
    while !finished { condition.wait() }
    condition.unlock()
  }

  private func run() {
    while true {
      let (started, stopping) = startQueued()
      var running: Int32 = 0
      curl_multi_perform(multi, &running)
      finishDone()
      if stopping && active.isEmpty { break }
      // Returns early when a transfer needs attention, when libcurl's own timers are due,
      // or when `send` or `shutdown` calls curl_multi_wakeup.
      if started == 0 || running > 0 { curl_multi_poll(multi, nil, 0, 1000, nil) }
    }
    idle.removeAll()
    condition.lock()
    curl_multi_cleanup(multi)
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// Adds queued requests while fewer than `maxConcurrent` are in flight; how many were
  /// added, and whether the transport is stopping.
  private func startQueued() -> (Int, Bool) {
    let room = max(1, configuration.maxConcurrent) - active.count
    condition.lock()
    let taken = queue.prefix(max(0, room))
    queue.removeFirst(taken.count)
    let stopping = stopped
    condition.unlock()
    for job in taken {
      let handle = idle.popLast() ?? CurlHandle()
      handle.prepare(job.request, configuration: configuration)
      active[ObjectIdentifier(handle)] = (handle, job)
      curl_multi_add_handle(multi, handle.easy)
    }
    return (taken.count, stopping)
  }

  private func finishDone() {
    var left: Int32 = 0
    while let message = curl_multi_info_read(multi, &left) {
      guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
        let handle = CurlHandle.owning(easy),
        let (_, job) = active.removeValue(forKey: ObjectIdentifier(handle))
      else { continue }
      let code = message.pointee.data.result
      curl_multi_remove_handle(multi, easy)
      let outcome = handle.outcome(code)
      idle.append(handle)
      job.continuation.resume(with: outcome.mapError { $0 as any Error })
    }
  }
}
