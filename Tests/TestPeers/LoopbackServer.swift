import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs a Hummingbird router on 127.0.0.1 (a free port) while `body` runs, then stops it.
/// Its log (`label`) holds only critical lines: a client hanging up is not the test's concern.
///
/// Stopped by a graceful shutdown, not by cancelling the server's task: cancelled while a
/// connection is accepted but not yet served, NIO traps ("Deinited NIOAsyncWriter without
/// calling finish()", apple/swift-nio#3481) and takes the whole test process down with it.
public func withLoopbackServer<Context: RequestContext>(
  _ router: Router<Context>, label: String, _ body: (Int) async throws -> Void
) async throws where Context.Source == ApplicationRequestContextSource {
  try await withLoopbackApplication(label: label) { logger, listening in
    Application(
      router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
      onServerRunning: listening, logger: logger)
  } _: { port in
    try await body(port)
  }
}

/// Runs an application built by `build` (given what to call once it listens) on 127.0.0.1 while
/// `body` runs, then stops it, as `withLoopbackServer` does for a bare router: for the gateway's
/// own `buildApplication`, scheduler and all.
public func withLoopbackApplication<App: ApplicationProtocol>(
  label: String,
  _ build: (Logger, @escaping @Sendable (any Channel) async -> Void) -> App,
  _ body: (Int) async throws -> Void
) async throws {
  var logger = Logger(label: label)
  logger.logLevel = .critical
  let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
  let app = build(logger) { channel in
    portSink.yield(channel.localAddress?.port ?? 0)
    portSink.finish()
  }
  let server = ServiceGroup(
    configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
  try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.run() }
    var iterator = ports.makeAsyncIterator()
    var failure: (any Error)?
    if let port = await iterator.next() {
      do { try await body(port) } catch { failure = error }
    }
    await server.triggerGracefulShutdown()
    try await group.waitForAll()
    if let failure { throw failure }
  }
}
