/// What marks a URL as tracking, read from the policy's tracker lists (`policies/trackers/`).
/// Data, not code: a list can be corrected and the gateway restarted without a rebuild.
public struct TrackerLists: Hashable, Sendable {
  /// Third-party tracker domains; each also matches its subdomains.
  public var trackerDomains: Set<String>
  /// Open-tracking endpoints: an image loaded from one reports that the mail was opened.
  public var openPixels: [URLPattern]
  /// Click-tracking redirectors, and how to recover the destination from their URLs.
  public var redirectors: [Redirector]
  /// Tracking URL parameters, lowercased.
  public var parameterNames: Set<String>
  /// Parameter name prefixes (`utm_`), lowercased.
  public var parameterPrefixes: [String]

  public init(
    trackerDomains: Set<String> = [], openPixels: [URLPattern] = [],
    redirectors: [Redirector] = [], parameterNames: Set<String> = [],
    parameterPrefixes: [String] = []
  ) {
    self.trackerDomains = trackerDomains
    self.openPixels = openPixels
    self.redirectors = redirectors
    self.parameterNames = parameterNames
    self.parameterPrefixes = parameterPrefixes
  }

  public static let empty = TrackerLists()

  /// Adds another list's entries (a policy may name several lists).
  public mutating func merge(_ other: TrackerLists) {
    trackerDomains.formUnion(other.trackerDomains)
    openPixels += other.openPixels
    redirectors += other.redirectors
    parameterNames.formUnion(other.parameterNames)
    parameterPrefixes += other.parameterPrefixes
  }
}

/// Hosts (with their subdomains; none means any host), a path prefix and a query parameter
/// that must be present: enough to name an ESP's tracking endpoint without regular
/// expressions, which a list author would have to get right for every host.
public struct URLPattern: Hashable, Sendable {
  public var hosts: Set<String>
  public var pathPrefix: String?
  public var requiredParameter: String?

  public init(hosts: Set<String>, pathPrefix: String? = nil, requiredParameter: String? = nil) {
    self.hosts = hosts
    self.pathPrefix = pathPrefix
    self.requiredParameter = requiredParameter
  }

}

/// A click-tracking redirector and, when its URLs carry it, where the destination is.
public struct Redirector: Hashable, Sendable {
  public var name: String
  public var pattern: URLPattern
  /// Nil when the destination is only known to the ESP (an opaque token in the URL).
  public var destination: Destination?

  public init(name: String, pattern: URLPattern, destination: Destination?) {
    self.name = name
    self.pattern = pattern
    self.destination = destination
  }

  public struct Destination: Hashable, Sendable {
    public enum Place: Hashable, Sendable {
      /// A query parameter, by name.
      case parameter(String)
      /// A path segment, counted from 1 after the host.
      case pathSegment(Int)
    }

    public enum Encoding: Hashable, Sendable {
      /// Percent-encoded text.
      case plain
      /// base64 or base64url of the URL.
      case base64
      /// base64 or base64url of a JSON object holding the URL under this key, possibly in a
      /// JSON string nested inside it.
      case base64JSON(key: String)
    }

    public var place: Place
    public var encoding: Encoding

    public init(place: Place, encoding: Encoding) {
      self.place = place
      self.encoding = encoding
    }
  }
}
