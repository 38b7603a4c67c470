/// The tracker lists arranged for lookups made for every URL of every mail: entries by host,
/// so a URL is compared only with the entries for its own domains and the few that name no
/// host, and parameter names as a set. Built once per policy.
final class TrackerIndex: Sendable {
  let lists: TrackerLists
  private let redirectors: PatternIndex
  private let openPixels: PatternIndex
  private let trackerDomains: FoldedKeys<Bool>
  private let parameterNames: FoldedKeys<Bool>
  private let parameterPrefixes: [[UInt8]]

  init(_ lists: TrackerLists) {
    self.lists = lists
    redirectors = PatternIndex(lists.redirectors.map(\.pattern))
    openPixels = PatternIndex(lists.openPixels)
    var domains = FoldedKeys<Bool>()
    for domain in lists.trackerDomains { domains.insert(domain, true) }
    trackerDomains = domains
    var names = FoldedKeys<Bool>()
    for name in lists.parameterNames { names.insert(name, true) }
    parameterNames = names
    parameterPrefixes = lists.parameterPrefixes.map { Array($0.utf8) }
  }

  func isTrackerHost(_ host: ArraySlice<UInt8>) -> Bool {
    !trackerDomains.isEmpty && DomainSuffixes.first(of: host, where: trackerDomains.contains) != nil
  }

  func isTrackingParameter(_ name: ArraySlice<UInt8>) -> Bool {
    if parameterNames.contains(name) { return true }
    return parameterPrefixes.contains { prefix in
      name.starts(with: prefix) { $0.asciiLowercased == $1 }
    }
  }

  func isOpenPixel(_ address: WebAddress) -> Bool {
    openPixels.firstMatch(address) != nil
  }

  /// The first redirector in list order whose pattern matches.
  func redirector(for address: WebAddress) -> Redirector? {
    redirectors.firstMatch(address).map { lists.redirectors[$0] }
  }
}

/// URL patterns by host. Entries keep their list order: the first matching one wins.
struct PatternIndex: Sendable {
  private let patterns: [URLPattern]
  private let byHost: FoldedKeys<[Int]>
  private let hostless: [Int]

  init(_ patterns: [URLPattern]) {
    self.patterns = patterns
    var indices: [String: [Int]] = [:]
    var hostless: [Int] = []
    for (index, pattern) in patterns.enumerated() {
      if pattern.hosts.isEmpty { hostless.append(index) }
      for host in pattern.hosts { indices[host, default: []].append(index) }
    }
    var byHost = FoldedKeys<[Int]>()
    for (host, list) in indices { byHost.insert(host, list) }
    self.byHost = byHost
    self.hostless = hostless
  }

  func firstMatch(_ address: WebAddress) -> Int? {
    var best = hostless.first { patterns[$0].matchesPathAndParameter(address) }
    _ = DomainSuffixes.first(of: address.host) { domain in
      for index in byHost.value(for: domain) ?? [] where index < (best ?? .max) {
        if patterns[index].matchesPathAndParameter(address) { best = index }
      }
      return false
    }
    return best
  }
}

enum DomainSuffixes {
  /// The first of `host` and its parent domains (`a.b.example`, `b.example`, `example`) that
  /// satisfies `test`.
  static func first(
    of host: ArraySlice<UInt8>, where test: (ArraySlice<UInt8>) -> Bool
  ) -> ArraySlice<UInt8>? {
    var rest = host
    while true {
      if test(rest) { return rest }
      guard let dot = rest.firstIndex(of: UInt8(ascii: ".")) else { return nil }
      rest = rest[(dot + 1)...]
    }
  }
}
