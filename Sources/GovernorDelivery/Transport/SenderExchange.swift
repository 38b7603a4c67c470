import Foundation

/// One outbound HTTP request to a mail sender.
public struct SenderRequest: Sendable {
  public var method: String
  public var url: String
  /// In order; a name may repeat.
  public var headers: [(name: String, value: String)]
  public var body: Data

  public init(
    method: String, url: String, headers: [(name: String, value: String)] = [], body: Data = Data()
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
  }
}

public struct SenderResponse: Sendable {
  public var status: Int
  /// The protocol the answer came over: "1.1", "2" or "3" ("" when unknown).
  public var httpVersion: String = ""
  /// Names lowercased; the last value wins when a name repeats.
  public var headers: [String: String]
  public var body: Data

  public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
    self.status = status
    self.headers = headers
    self.body = body
  }
}

/// Why a request got no HTTP response at all.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Kind: String, Sendable {
    /// DNS, refused or reset connections, TLS failures: nothing was answered.
    case connection
    /// The connect or total timeout passed.
    case timeout
    /// The request itself is unusable (bad URL, unsupported scheme); retrying cannot help.
    case invalidRequest
    /// The transport was shut down before the request ran.
    case shutDown
  }

  public var kind: Kind
  public var detail: String
  /// True when the request's bytes had started to leave before it failed: the sender may
  /// have received it and acted on it even though no answer came back.
  public var mayHaveArrived: Bool

  public init(_ kind: Kind, _ detail: String, mayHaveArrived: Bool = false) {
    self.kind = kind
    self.detail = detail
    self.mayHaveArrived = mayHaveArrived
  }

  public var description: String { "\(kind.rawValue): \(detail)" }
}

/// Sends HTTP requests. `CurlTransport` is the real one.
public protocol HTTPTransport: Sendable {
  func send(_ request: SenderRequest) async throws(TransportError) -> SenderResponse
}
