/// The tracker lists arranged for lookups made for every URL of every mail: entries by host,
/// so a URL is compared only with the entries for its own domains and the few that name no
/// host, and parameter names as a set. Built once per policy.
final class TrackerIndex: Sendable {
  let lists: TrackerLists
  private let redirectors: PatternIndex
  private let openPixels: PatternIndex
  private let trackerDomains: Set<Substring>
  private let parameterNames: Set<String>

  init(_ lists: TrackerLists) {
    self.lists = lists
    redirectors = PatternIndex(lists.redirectors.map(\.pattern))
    openPixels = PatternIndex(lists.openPixels)
    trackerDomains = Set(lists.trackerDomains.map { Substring($0) })
    parameterNames = lists.parameterNames
  }

  func isTrackerHost(_ host: Substring) -> Bool {
    DomainSuffixes.first(of: host) { trackerDomains.contains($0) } != nil
  }

  func isTrackingParameter(_ name: ArraySlice<UInt8>) -> Bool {
    let text = String(decoding: name, as: UTF8.self)
    let lowered = name.contains { $0.asciiLowercased != $0 } ? text.lowercased() : text
    if parameterNames.contains(lowered) { return true }
    return lists.parameterPrefixes.contains { lowered.utf8.starts(with: $0.utf8) }
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
  private let byHost: [Substring: [Int]]
  private let hostless: [Int]

  init(_ patterns: [URLPattern]) {
    self.patterns = patterns
    var byHost: [Substring: [Int]] = [:]
    var hostless: [Int] = []
    for (index, pattern) in patterns.enumerated() {
      if pattern.hosts.isEmpty { hostless.append(index) }
      for host in pattern.hosts { byHost[Substring(host), default: []].append(index) }
    }
    self.byHost = byHost
    self.hostless = hostless
  }

  func firstMatch(_ address: WebAddress) -> Int? {
    var best = hostless.first { patterns[$0].matchesPathAndParameter(address) }
    _ = DomainSuffixes.first(of: address.host) { domain in
      for index in byHost[domain] ?? [] where index < (best ?? .max) {
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
  static func first(of host: Substring, where test: (Substring) -> Bool) -> Substring? {
    var rest = host
    while true {
      if test(rest) { return rest }
      guard let dot = rest.utf8.firstIndex(of: UInt8(ascii: ".")) else { return nil }
      rest = rest[rest.utf8.index(after: dot)...]
    }
  }
}
