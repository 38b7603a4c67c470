/// The tracker lists arranged for lookups made for every URL of every mail: one table of the
/// domains the lists name, holding for each whether it is a tracker and which redirector and
/// open-pixel patterns are for it, so a URL's host is hashed once, from its end, for all of
/// them; parameter names as a set. Built once per policy.
final class TrackerIndex: Sendable {
  let lists: TrackerLists
  private let domains: FoldedKeys<DomainEntry>
  private let redirectors: PatternIndex
  private let openPixels: PatternIndex
  private let parameterNames: FoldedKeys<Bool>
  private let parameterPrefixes: [[UInt8]]

  /// What the lists say about one domain (and its subdomains).
  struct DomainEntry: Sendable {
    var isTracker = false
    /// Indices into the redirector and open-pixel lists, in list order.
    var redirectors: [Int] = []
    var openPixels: [Int] = []
  }

  init(_ lists: TrackerLists) {
    self.lists = lists
    var entries: [String: DomainEntry] = [:]
    for domain in lists.trackerDomains {
      entries[Self.folded(domain), default: .init()].isTracker = true
    }
    for (index, redirector) in lists.redirectors.enumerated() {
      for host in redirector.pattern.hosts {
        entries[Self.folded(host), default: .init()].redirectors.append(index)
      }
    }
    for (index, pattern) in lists.openPixels.enumerated() {
      for host in pattern.hosts {
        entries[Self.folded(host), default: .init()].openPixels.append(index)
      }
    }
    domains = FoldedKeys(entries.map { ($0.key, $0.value) }, domains: true)
    redirectors = PatternIndex(lists.redirectors.map(\.pattern))
    openPixels = PatternIndex(lists.openPixels)
    parameterNames = FoldedKeys(lists.parameterNames.map { ($0, true) })
    parameterPrefixes = lists.parameterPrefixes.map { Array($0.utf8) }
  }

  /// ASCII case folded, as the lookups fold (Unicode lowercasing would fold more).
  private static func folded(_ text: String) -> String {
    String(decoding: text.utf8.map(\.asciiLowercased), as: UTF8.self)
  }

  func isTrackingParameter(_ name: ByteSpan) -> Bool {
    if parameterNames.contains(name) { return true }
    return parameterPrefixes.contains { prefix in
      name.starts(with: prefix) { $0.asciiLowercased == $1 }
    }
  }

  /// Whether `address` is a known open-tracking endpoint and whether its host is a tracker.
  /// An image fetched from a click-tracking endpoint reports the open as well as any pixel
  /// does, so it counts as one.
  func resourceFacts(_ address: WebAddress) -> (isOpenPixel: Bool, isTrackerHost: Bool) {
    address.withSpans { url in
      var isTracker = false
      var pixel = openPixels.firstHostless(url)
      var redirect = pixel == nil ? redirectors.firstHostless(url) : nil
      domains.forEachDomain(of: url.host) { entry in
        if entry.isTracker { isTracker = true }
        pixel = openPixels.first(of: entry.openPixels, matching: url, before: pixel)
        if pixel == nil {
          redirect = redirectors.first(of: entry.redirectors, matching: url, before: redirect)
        }
      }
      return (pixel != nil || redirect != nil, isTracker)
    }
  }

  /// The position in the list of the first redirector whose pattern matches (a position,
  /// not a copy: a `Redirector` is several strings and sets to retain).
  func redirector(for address: WebAddress) -> Int? {
    address.withSpans { url in
      var best = redirectors.firstHostless(url)
      domains.forEachDomain(of: url.host) { entry in
        best = redirectors.first(of: entry.redirectors, matching: url, before: best)
      }
      return best
    }
  }

  func destination(of address: WebAddress, through redirector: Int) -> WebAddress? {
    lists.redirectors[redirector].destination(of: address)
  }

  func redirectorRequiresParameter(_ redirector: Int) -> Bool {
    lists.redirectors[redirector].pattern.requiredParameter != nil
  }

  /// Whether the encoded place of the redirector's URL carries the recipient.
  func redirector(_ redirector: Int, carries recipient: RecipientIdentity, in address: WebAddress)
    -> Bool
  {
    lists.redirectors[redirector].carries(recipient, in: address)
  }

  /// Whether the redirector needs this parameter of its own URL.
  func redirector(_ redirector: Int, keeps name: ByteSpan) -> Bool {
    let keep = lists.redirectors[redirector].keepParameters
    return !keep.isEmpty
      && keep.contains(String(decoding: name.map(\.asciiLowercased), as: UTF8.self))
  }
}

/// URL patterns in list order, the first matching one wins; those naming no host are tried
/// for every URL, the others only for URLs on their hosts (found through `TrackerIndex`).
struct PatternIndex: Sendable {
  /// A pattern's path and parameter conditions as folded bytes, compared without strings.
  private struct Conditions: Sendable {
    let pathPrefix: [UInt8]?
    let pathShape: PathShape?
    let requiredParameter: [UInt8]?
    let parameterShape: TextShape?

    init(_ pattern: URLPattern) {
      pathPrefix = pattern.pathPrefix.map { $0.utf8.map(\.asciiLowercased) }
      pathShape = pattern.pathShape
      requiredParameter = pattern.requiredParameter.map { $0.utf8.map(\.asciiLowercased) }
      parameterShape = pattern.parameterShape
    }

    /// The host is matched through `TrackerIndex`.
    func match(_ url: WebAddress.Spans) -> Bool {
      if let pathPrefix, !url.path.starts(with: pathPrefix, by: { $0.asciiLowercased == $1 }) {
        return false
      }
      if let pathShape, !pathShape.matches(url.path) { return false }
      guard let requiredParameter else { return true }
      var found = false
      url.forEachPair { pair in
        guard !found else { return }
        let (name, value) = WebAddress.Spans.split(pair)
        guard name.elementsEqual(requiredParameter, by: { $0.asciiLowercased == $1 }) else {
          return
        }
        found = parameterShape?.matches(value) ?? true
      }
      return found
    }
  }

  private let conditions: [Conditions]
  private let hostless: [Int]

  init(_ patterns: [URLPattern]) {
    conditions = patterns.map(Conditions.init)
    hostless = patterns.indices.filter { patterns[$0].hosts.isEmpty }
  }

  func firstHostless(_ url: WebAddress.Spans) -> Int? {
    hostless.first { conditions[$0].match(url) }
  }

  /// The first of `candidates` that matches and comes before `best`, else `best`.
  func first(of candidates: [Int], matching url: WebAddress.Spans, before best: Int?) -> Int? {
    for index in candidates where index < (best ?? .max) {
      if conditions[index].match(url) { return index }
    }
    return best
  }
}
