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

  /// The families the lists name, in order, each once.
  public var families: [String] {
    var seen: Set<String> = []
    return (openPixels.map(\.family) + redirectors.map(\.pattern.family)).filter {
      seen.insert($0).inserted
    }
  }

  /// Without the patterns of `families` (a policy's `tracking.disabled_families`).
  public func disabling(_ families: Set<String>) -> TrackerLists {
    guard !families.isEmpty else { return self }
    var lists = self
    lists.openPixels.removeAll { families.contains($0.family) }
    lists.redirectors.removeAll { families.contains($0.pattern.family) }
    return lists
  }

  /// Adds another list's entries (a policy may name several lists).
  public mutating func merge(_ other: TrackerLists) {
    trackerDomains.formUnion(other.trackerDomains)
    openPixels += other.openPixels
    redirectors += other.redirectors
    parameterNames.formUnion(other.parameterNames)
    parameterPrefixes += other.parameterPrefixes
  }
}

/// Hosts (with their subdomains; none means any host), a path prefix or the path's shape,
/// and a query parameter that must be present (with the shape its value must have): enough
/// to name an ESP's tracking endpoint, on its own host or a sender's branded one, without
/// regular expressions, which a list author would have to get right for every host.
public struct URLPattern: Hashable, Sendable {
  public var hosts: Set<String>
  public var pathPrefix: String?
  public var requiredParameter: String?
  public var pathShape: PathShape?
  /// What `requiredParameter`'s value must look like.
  public var parameterShape: TextShape?
  /// The tracking product the pattern is of (its list entry's `family`, else its `name`): a
  /// policy can turn a family off.
  public var family: String

  public init(
    hosts: Set<String>, pathPrefix: String? = nil, requiredParameter: String? = nil,
    pathShape: PathShape? = nil, parameterShape: TextShape? = nil, family: String = ""
  ) {
    self.hosts = hosts
    self.pathPrefix = pathPrefix
    self.requiredParameter = requiredParameter
    self.pathShape = pathShape
    self.parameterShape = parameterShape
    self.family = family
  }
}

/// A click-tracking redirector and, when its URLs carry it, where the destination is.
public struct Redirector: Hashable, Sendable {
  public var name: String
  public var pattern: URLPattern
  /// Nil when the destination is only known to the ESP (an opaque token in the URL).
  public var destination: Destination?
  /// Parameters (lowercased) the redirector itself needs: never stripped from a kept one,
  /// even when a tracker list names them (Adobe Campaign carries `p1` into the destination).
  public var keepParameters: Set<String>

  public init(
    name: String, pattern: URLPattern, destination: Destination?, keepParameters: Set<String> = []
  ) {
    self.name = name
    self.pattern = pattern
    self.destination = destination
    self.keepParameters = keepParameters
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
      /// base64 or base64url of a binary record holding the URL as a string led by its
      /// one-byte length (SparkPost's link blobs).
      case base64Record
    }

    public var place: Place
    public var encoding: Encoding
    /// The place's value up to this character (Substack signs its JSON after a `.`).
    public var endsBefore: UInt8?
    /// Put before a destination written without one (Postmark writes `www.example.com%2F…`).
    public var scheme: String?

    public init(
      place: Place, encoding: Encoding, endsBefore: UInt8? = nil, scheme: String? = nil
    ) {
      self.place = place
      self.encoding = encoding
      self.endsBefore = endsBefore
      self.scheme = scheme
    }
  }
}
