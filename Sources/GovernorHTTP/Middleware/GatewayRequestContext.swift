import Foundation
import GovernorService
import Hummingbird
import NIOCore

/// Hummingbird's request context plus the API key that authenticated the request, set by
/// `APIKeyAuthentication` on the route groups that need one.
public struct GatewayRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  public var apiKey: APIKeyRecord?
  /// The peer, kept as NIO has it: made text only when a failed authentication is counted.
  private let peer: SocketAddress?

  public init(source: Source) {
    coreContext = .init(source: source)
    peer = source.channel.remoteAddress
  }

  /// The client's IP address, for counting its failed authentications ("local" when the
  /// connection has none, as in tests that call the router directly).
  var clientAddress: String { peer?.ipAddress ?? "local" }

  /// The key of a route behind `APIKeyAuthentication`; such a route never runs without one.
  var authenticatedKey: APIKeyRecord {
    get throws(Problem) {
      guard let apiKey else { throw Problem.unauthenticated() }
      return apiKey
    }
  }
}

extension Request {
  /// The body, refused with 413 past `limit` bytes before any of it is parsed.
  func bodyData(upTo limit: Int) async throws -> Data {
    do {
      return Data(buffer: try await body.collect(upTo: limit))
    } catch is NIOTooManyBytesError {
      throw Problem.tooLarge(limit: limit)
    }
  }
}
