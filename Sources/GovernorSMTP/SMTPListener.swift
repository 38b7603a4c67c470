import Foundation
import GovernorService
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// An SMTP listener: plain with STARTTLS when a certificate is given (submission, port 587
/// style), or TLS from the first byte (`implicitTLS`, port 465 style, RFC 8314).
public struct SMTPListenerConfiguration: Sendable {
  public var host: String
  public var port: Int
  public var implicitTLS = false
  /// Offer AUTH without TLS anywhere, not only to loopback clients.
  public var authInClear = false
  /// Refuse at RCPT a recipient the envelope already says would be held back (needs
  /// `defaults.category`); by default such a recipient is accepted, recorded and not sent.
  public var refuseHeldRecipients = false
  /// Clients on loopback may send without AUTH, as Postfix's `permit_mynetworks` lets
  /// 127.0.0.0/8 relay: for a tool on the same host that cannot authenticate.
  public var trustLoopback = false
  public var hostname = "mail-governor"
  public var limits = SMTPLimits()
  public var defaults = MailDefaults()

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }
}

/// Serves SMTP until the service group shuts down; `onListening` gets the bound port.
public final class SMTPListener: Service {
  let configuration: SMTPListenerConfiguration
  let door: SMTPDoor
  let tls: NIOSSLContext?
  let logger: Logger
  let onListening: @Sendable (Int) -> Void
  private let open = OpenSessions()

  public init(
    _ configuration: SMTPListenerConfiguration, gateway: Gateway, tls: NIOSSLContext?,
    logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }
  ) {
    self.configuration = configuration
    self.door = SMTPDoor(
      gateway: gateway, defaults: configuration.defaults, logger: logger,
      deadline: configuration.limits.decision)
    self.tls = tls
    self.logger = logger
    self.onListening = onListening
  }

  public func run() async throws {
    let configuration = configuration
    let door = door
    let tls = tls
    let logger = logger
    let open = self.open
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(ChannelOptions.backlog, value: 256)
      .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let admitted =
            open.count.add(1, ordering: .relaxed).newValue <= configuration.limits.connections
          let loopback = Self.isLoopback(channel.remoteAddress)
          let session = SMTPSession(
            hostname: configuration.hostname, limits: configuration.limits,
            tlsOffered: tls != nil, tlsActive: configuration.implicitTLS,
            authInClear: configuration.authInClear || loopback,
            checksRecipients: configuration.refuseHeldRecipients,
            trusted: configuration.trustLoopback && loopback)
          if configuration.implicitTLS, let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
          }
          try channel.pipeline.syncOperations.addHandler(
            SMTPServerHandler(
              session: session, door: door, tls: configuration.implicitTLS ? nil : tls,
              limits: configuration.limits, admitted: admitted, logger: logger,
              onClose: { open.count.subtract(1, ordering: .relaxed) }))
        }
      }
      .bind(host: configuration.host, port: configuration.port).get()
    onListening(channel.localAddress?.port ?? configuration.port)
    try await withGracefulShutdownHandler {
      try await channel.closeFuture.get()
    } onGracefulShutdown: {
      channel.close(promise: nil)
    }
  }

  static func isLoopback(_ address: SocketAddress?) -> Bool {
    guard let ip = address?.ipAddress else { return false }
    return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
  }
}

/// Sessions open now, across the event loops.
final class OpenSessions: Sendable {
  let count = Atomic<Int>(0)
}
