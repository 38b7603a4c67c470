import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A mail sender on 127.0.0.1 that misbehaves on cue, down to the socket: it answers with
/// any status, answers too late, resets the connection after reading a request, or reads it
/// and never answers. Plain sockets, because an HTTP framework will not send a reset or keep
/// a request unanswered on purpose. It records every request it read (by `Idempotency-Key`)
/// with what it did, so a test can tell which messages it may have accepted.
public final class FaultSink: Sendable {
  public enum Behaviour: Sendable, Hashable {
    case answer(status: Int, headers: [String: String] = [:])
    /// Answers 200, but only after this many seconds.
    case late(seconds: Double)
    /// Reads the request, then resets the connection (TCP RST).
    case reset
    /// Reads the request and never answers; the connection stays open until the sink stops.
    case silent

    /// Whether a sender in this position may have acted on the request: everything but an
    /// explicit error answer.
    public var mayHaveAccepted: Bool {
      if case .answer(let status, _) = self { return (200..<300).contains(status) }
      return true
    }
  }

  public struct Received: Sendable {
    public var key: String?
    public var behaviour: Behaviour
  }

  private struct State {
    var received: [Received] = []
    var stopped = false
    var sockets: Set<Int32> = []
  }

  public let port: Int
  private let listener: Int32
  private let choose: @Sendable (Int, String?) -> Behaviour
  private let state = Mutex(State())

  /// `choose(n, key)` decides what to do with the n-th request (from 0) carrying `key`.
  public init(choose: @escaping @Sendable (Int, String?) -> Behaviour) throws {
    self.choose = choose
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(listener, 256) == 0 else {
      close(listener)
      throw POSIXError(.EADDRINUSE)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        getsockname(listener, $0, &length)
      }
    }
    self.listener = listener
    port = Int(UInt16(bigEndian: address.sin_port))
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
  }

  public var url: String { "http://127.0.0.1:\(port)" }

  public var received: [Received] { state.withLock { $0.received } }

  /// Closes the listener and every open connection (silent ones included).
  public func stop() {
    let open = state.withLock { state -> Set<Int32> in
      state.stopped = true
      return state.sockets
    }
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
    for socket in open { shutdown(socket, Int32(SHUT_RDWR)) }
  }

  private func acceptLoop() {
    while true {
      let connection = accept(listener, nil, nil)
      guard connection >= 0 else { return }
      let admitted = state.withLock { state in
        guard !state.stopped else { return false }
        state.sockets.insert(connection)
        return true
      }
      guard admitted else {
        close(connection)
        return
      }
      let thread = Thread { [self] in serve(connection) }
      thread.start()
    }
  }

  private func serve(_ connection: Int32) {
    defer {
      state.withLock { _ = $0.sockets.remove(connection) }
      close(connection)
    }
    var buffer = [UInt8]()
    while let key = readRequest(connection, &buffer) {
      let behaviour = state.withLock { state -> Behaviour in
        let behaviour = choose(state.received.count, key)
        state.received.append(Received(key: key, behaviour: behaviour))
        return behaviour
      }
      switch behaviour {
      case .answer(let status, let headers):
        guard write(connection, status: status, headers: headers) else { return }
      case .late(let seconds):
        Thread.sleep(forTimeInterval: seconds)
        guard write(connection, status: 200, headers: [:]) else { return }
      case .reset:
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(
          connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        return
      case .silent:
        // Holds the connection until the client gives up (a read of 0) or the sink stops.
        var byte: UInt8 = 0
        while recv(connection, &byte, 1, 0) > 0 {}
        return
      }
    }
  }

  /// Reads one request (head and Content-Length body); its Idempotency-Key, or "" without
  /// one; nil when the connection closed.
  private func readRequest(_ connection: Int32, _ buffer: inout [UInt8]) -> String? {
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    var chunk = [UInt8](repeating: 0, count: 65_536)
    func fill() -> Bool {
      let count = recv(connection, &chunk, chunk.count, 0)
      guard count > 0 else { return false }
      buffer.append(contentsOf: chunk[0..<count])
      return true
    }
    var headEnd: Int?
    while headEnd == nil {
      if let range = buffer.firstRange(of: separator) {
        headEnd = range.upperBound
      } else if !fill() {
        return nil
      }
    }
    guard let headEnd else { return nil }
    let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
    var length = 0
    var key = ""
    for line in head.split(separator: "\r\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let value = parts[1].trimmingCharacters(in: .whitespaces)
      switch parts[0].lowercased() {
      case "content-length": length = Int(value) ?? 0
      case "idempotency-key": key = value
      default: break
      }
    }
    while buffer.count < headEnd + length {
      if !fill() { return nil }
    }
    buffer.removeFirst(headEnd + length)
    return key
  }

  private func write(_ connection: Int32, status: Int, headers: [String: String]) -> Bool {
    let body = #"{"id":"fault-sink"}"#
    var text = "HTTP/1.1 \(status) Status\r\nContent-Type: application/json\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    text += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    let bytes = Array(text.utf8)
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes {
        send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      guard count > 0 else { return false }
      sent += count
    }
    return true
  }
}
