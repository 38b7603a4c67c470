import GovernorService
import GovernorTLS
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore

/// The gateway as one Hummingbird application: its routes and the scheduler that releases
/// deferred messages. `governor serve` runs it, and the tests run the very same one on a
/// loopback port, so what they check is what is served.
public func buildApplication(
  _ gateway: Gateway, host: String, port: Int, server: HTTPServerBuilder = .http1(),
  releaseEvery: Duration = .seconds(1), traced: Bool = false, logger: Logger,
  onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
  Application(
    router: GatewayRoutes.router(gateway, traced: traced),
    server: server,
    configuration: .init(address: .hostname(host, port: port), serverName: "mail-governor"),
    services: [DeferredScheduler(gateway: gateway, interval: releaseEvery, logger: logger)],
    onServerRunning: onServerRunning,
    logger: logger)
}

/// HTTP/1.1 in the clear, or TLS with HTTP/2 for clients that offer it by ALPN (HTTP/1.1 for
/// the rest). RFC 8058's one-click links must be https, and some campaign tools speak only
/// https. The certificate is asked for at each handshake, so SIGHUP renews it in place.
public func gatewayServer(tls: ReloadableCertificate?) throws -> HTTPServerBuilder {
  guard let tls else { return .http1() }
  return try .http2Upgrade(tlsConfiguration: tls.serverConfiguration())
}
