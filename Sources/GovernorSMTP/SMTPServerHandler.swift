import Foundation
import GovernorCore
import Logging
import NIOCore
import NIOSSL

/// Runs one SMTP session on a channel: frames lines, feeds them to `SMTPSession`, writes its
/// replies and carries out its effects. While a password is checked or a message decided, a
/// client that sends more makes it stop reading, so what it pipelines waits in the kernel's
/// buffers, not in memory.
final class SMTPServerHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private var session: SMTPSession
  private let door: SMTPDoor
  private let tls: NIOSSLContext?
  private let limits: SMTPLimits
  private let admitted: Bool
  private let logger: Logger
  private let onClose: @Sendable () -> Void

  /// Bytes not yet framed into lines; `start` is where the unread part begins.
  private var buffer: [UInt8] = []
  private var start = 0
  /// Inside a line longer than the limit: its bytes are dropped up to its end.
  private var discarding = false
  private var busy = false
  private var paused = false
  private var closing = false
  private var idleTimer: Scheduled<Void>?
  private var sessionTimer: Scheduled<Void>?

  init(
    session: SMTPSession, door: SMTPDoor, tls: NIOSSLContext?, limits: SMTPLimits,
    admitted: Bool, logger: Logger, onClose: @escaping @Sendable () -> Void
  ) {
    self.session = session
    self.door = door
    self.tls = tls
    self.limits = limits
    self.admitted = admitted
    self.logger = logger
    self.onClose = onClose
  }

  func channelActive(context: ChannelHandlerContext) {
    guard admitted else {
      closeWith(SMTPReply(421, "4.7.0", "Too many connections, try again later"), context)
      return
    }
    write(session.greeting, context)
    context.flush()
    let loop = context.eventLoop.assumeIsolated()
    sessionTimer = loop.scheduleTask(in: TimeAmount(limits.session)) { [self] in
      closeWith(SMTPReply(421, "4.4.2", "Session time limit reached, closing"), context)
    }
    restartIdleTimer(context)
  }

  func channelInactive(context: ChannelHandlerContext) {
    idleTimer?.cancel()
    sessionTimer?.cancel()
    closing = true
    onClose()
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    // A TLS handshake that fails, a peer that resets: the session ends, nothing else does.
    logger.debug("SMTP session error", metadata: ["error": "\(error)"])
    context.close(promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !closing else { return }
    let bytes = unwrapInboundIn(data)
    buffer.append(contentsOf: bytes.readableBytesView)
    if busy {
      // A client that pipelines while its message is decided: stop reading until the answer,
      // so what it sends waits in the kernel's buffers, not in memory. Only then: pausing on
      // every wait costs two epoll changes per message, and most clients wait for the reply.
      if !paused {
        paused = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
      }
      return
    }
    restartIdleTimer(context)
    process(context)
  }

  private func restartIdleTimer(_ context: ChannelHandlerContext) {
    idleTimer?.cancel()
    guard !busy, !closing else { return }
    idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.idle)) {
      [self] in
      closeWith(SMTPReply(421, "4.4.2", "Idle too long, closing"), context)
    }
  }

  /// Every complete line, until the session waits on the service or closes.
  private func process(_ context: ChannelHandlerContext) {
    while !busy, !closing, let (line, crlf, overlong) = nextLine() {
      guard let effect = session.receive(line: line, crlf: crlf, overlong: overlong) else {
        continue
      }
      carryOut(effect, context)
    }
    compact()
    if !closing { context.flush() }
  }

  private func carryOut(_ effect: SMTPSession.Effect, _ context: ChannelHandlerContext) {
    switch effect {
    case .reply(let reply):
      write(reply, context)
    case .close(let reply):
      closeWith(reply, context)
    case .startTLS(let reply):
      guard let tls else { return }
      write(reply, context)
      context.flush()
      // RFC 3207 §4.2 (and CVE-2011-0411): plaintext that came after STARTTLS is discarded,
      // never read as if it had come over TLS.
      buffer.removeAll()
      start = 0
      discarding = false
      // Added after the reply has left this handler: the 220 goes out in clear, everything
      // after it is TLS.
      do {
        try context.pipeline.syncOperations.addHandler(
          NIOSSLServerHandler(context: tls), position: .first)
      } catch {
        context.close(promise: nil)
      }
    case .authenticate(_, let password):
      wait(context) { [door] in
        let accepted = await door.authenticate(password: password)
        return { session in session.authenticated(accepted) }
      }
    case .checkRecipient(let recipient, let from):
      wait(context) { [door] in
        let refusal = await door.checkRecipient(recipient, from: from)
        return { session in session.recipientChecked(refusal) }
      }
    case .deliver(let from, let recipients, let data):
      wait(context) { [door] in
        let reply = await door.deliver(from: from, recipients: recipients, data: data)
        return { session in session.delivered(reply) }
      }
    }
  }

  /// Runs `work` off the event loop (reading stops if the client sends meanwhile); its
  /// answer, applied to the session, is carried out on the loop, then the lines that came
  /// meanwhile are read.
  private func wait(
    _ context: ChannelHandlerContext,
    _ work: @escaping @Sendable () async -> @Sendable (inout SMTPSession) -> SMTPSession.Effect
  ) {
    busy = true
    idleTimer?.cancel()
    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
    let loop = context.eventLoop
    Task {
      let answer = await work()
      loop.execute {
        let (handler, context) = bound.value
        handler.resume(answer, context)
      }
    }
  }

  private func resume(
    _ answer: (inout SMTPSession) -> SMTPSession.Effect, _ context: ChannelHandlerContext
  ) {
    busy = false
    guard !closing else { return }
    carryOut(answer(&session), context)
    if paused {
      paused = false
      context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
    }
    restartIdleTimer(context)
    process(context)
  }

  /// The next line without its line end, whether that was CRLF, and whether it was too long
  /// (then its content is gone).
  private func nextLine() -> ([UInt8], Bool, Bool)? {
    let limit = session.isReadingData ? limits.dataLine : limits.commandLine
    guard let newline = buffer[start...].firstIndex(of: 0x0A) else {
      if buffer.count - start > limit {
        // The line's end has not come yet and it is already too long: keep none of it.
        discarding = true
        buffer.removeAll(keepingCapacity: true)
        start = 0
      }
      return nil
    }
    var end = newline
    let crlf = end > start && buffer[end - 1] == 0x0D
    if crlf { end -= 1 }
    let overlong = discarding || end - start > limit
    let line = overlong ? [] : Array(buffer[start..<end])
    start = newline + 1
    discarding = false
    return (line, crlf, overlong)
  }

  private func compact() {
    if start == buffer.count {
      buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
      start = 0
    } else if start > 64 * 1024 {
      buffer.removeFirst(start)
      start = 0
    }
  }

  private func write(_ reply: SMTPReply, _ context: ChannelHandlerContext) {
    context.write(wrapOutboundOut(ByteBuffer(string: reply.wire)), promise: nil)
  }

  private func closeWith(_ reply: SMTPReply, _ context: ChannelHandlerContext) {
    guard !closing else { return }
    closing = true
    idleTimer?.cancel()
    sessionTimer?.cancel()
    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply.wire))).assumeIsolated()
      .whenComplete { _ in context.close(promise: nil) }
  }
}
