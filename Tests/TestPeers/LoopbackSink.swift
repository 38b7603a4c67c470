import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A real HTTP server on 127.0.0.1 standing in for the mail sender: it records every request
/// and answers from a script (then 200s), so tests see what crossed the wire.
public actor LoopbackSink {
  public struct Received: Sendable {
    public var method: String
    public var path: String
    /// Names lowercased.
    public var headers: [String: String]
    public var body: Data
  }

  public struct Answer: Sendable {
    public var status: Int
    public var headers: [String: String] = [:]
    public var body: String = ""
    /// Hold the answer this long (to trip the client's timeout).
    public var delay: TimeInterval = 0

    public init(
      status: Int, headers: [String: String] = [:], body: String = "", delay: TimeInterval = 0
    ) {
      self.status = status
      self.headers = headers
      self.body = body
      self.delay = delay
    }
  }

  public private(set) var received: [Received] = []
  private var script: [Answer]
  private var connections = Set<String>()
  private var inFlight = 0
  /// The most requests the sink was answering at once.
  public private(set) var mostAtOnce = 0

  init(script: [Answer]) {
    self.script = script
  }

  /// Distinct client ports seen: how many connections the client opened.
  public var connectionCount: Int { connections.count }

  func finished() { inFlight -= 1 }

  func record(_ request: Received, from peer: String) -> Answer {
    inFlight += 1
    mostAtOnce = max(mostAtOnce, inFlight)
    received.append(request)
    connections.insert(peer)
    return script.isEmpty ? Answer(status: 200, body: #"{"id":"sink-1"}"#) : script.removeFirst()
  }

  /// Runs `body` with the sink listening; its URL is `http://127.0.0.1:PORT`.
  public static func with(
    script: [Answer] = [], _ body: @Sendable (String, LoopbackSink) async throws -> Void
  ) async throws {
    let sink = LoopbackSink(script: script)
    let router = Router(context: SinkContext.self)
    router.post("/**") { request, context -> Response in
      let bytes = try await request.body.collect(upTo: 16 << 20)
      var headers: [String: String] = [:]
      for field in request.headers { headers[field.name.canonicalName] = field.value }
      let peer = context.remoteAddress.map { "\($0)" } ?? "?"
      let answer = await sink.record(
        Received(
          method: request.method.rawValue, path: request.uri.path, headers: headers,
          body: Data(buffer: bytes)),
        from: peer)
      if answer.delay > 0 { try? await Task.sleep(for: .seconds(answer.delay)) }
      await sink.finished()
      var responseHeaders = HTTPFields()
      for (name, value) in answer.headers {
        if let field = HTTPField.Name(name) { responseHeaders[field] = value }
      }
      return Response(
        status: .init(code: answer.status), headers: responseHeaders,
        body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
    try await withLoopbackServer(router, label: "sink") { port in
      try await body("http://127.0.0.1:\(port)", sink)
    }
  }
}

/// Request context that knows the client's address, to count connections.
struct SinkContext: RequestContext, RemoteAddressRequestContext {
  var coreContext: CoreRequestContextStorage
  let remoteAddress: SocketAddress?

  init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    remoteAddress = source.channel.remoteAddress
  }
}
