import GovernorService
import Hummingbird
import Logging
import NIOCore

/// The gateway as one Hummingbird application: its routes and the scheduler that releases
/// deferred messages. `governor serve` runs it, and the tests run the very same one on a
/// loopback port, so what they check is what is served.
public func buildApplication(
  _ gateway: Gateway, host: String, port: Int, releaseEvery: Duration = .seconds(1),
  logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
  Application(
    router: GatewayRoutes.router(gateway),
    configuration: .init(address: .hostname(host, port: port), serverName: "mail-governor"),
    services: [DeferredScheduler(gateway: gateway, interval: releaseEvery, logger: logger)],
    onServerRunning: onServerRunning,
    logger: logger)
}
