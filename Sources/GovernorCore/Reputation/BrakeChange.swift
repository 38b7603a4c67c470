import Foundation

/// A brake engaged, moved to another step or released: what the brake log records, once per
/// change, whichever gateway saw it first.
public struct BrakeChange: Hashable, Sendable {
  public var measure: ReputationPolicy.Measure
  public var scope: ReputationPolicy.Scope
  public var key: String
  /// `none`, `throttle 50%` or `pause`.
  public var from: String
  public var to: String
  /// The window's rate when the change was seen.
  public var rate: Rate
  public var count: Int
  public var base: Int
  /// The step's line; nil on a release.
  public var threshold: Rate?
  public var at: Date

  public init(
    measure: ReputationPolicy.Measure, scope: ReputationPolicy.Scope, key: String, from: String,
    to: String, rate: Rate, count: Int, base: Int, threshold: Rate?, at: Date
  ) {
    self.measure = measure
    self.scope = scope
    self.key = key
    self.from = from
    self.to = to
    self.rate = rate
    self.count = count
    self.base = base
    self.threshold = threshold
    self.at = at
  }

  /// What identifies the brake across changes: `complaints sending_domain shop.example`.
  public var series: String { Self.series(measure, scope, key) }

  public static func series(
    _ measure: ReputationPolicy.Measure, _ scope: ReputationPolicy.Scope, _ key: String
  ) -> String {
    "\(measure.rawValue) \(scope.rawValue) \(key)"
  }

  /// `complaints on sending domain shop.example: none → pause at 0.3% (30 of 10000) ≥ 0.3%`.
  public var sentence: String {
    let on = scope == .campaign ? "campaign \(key)" : "sending domain \(key)"
    let what = measure == .complaints ? "complaints" : "hard bounces"
    var sentence = "\(what) on \(on): \(from) → \(to) at \(rate) (\(count) of \(base))"
    if let threshold { sentence += " ≥ \(threshold)" }
    return sentence
  }

  /// The changes that bring the recorded states (by series; a series not there is `none`) to
  /// the book's. A book from no assessment changes nothing.
  public static func changes(
    recorded: [String: String], to book: ReputationBook, at now: Date
  ) -> [BrakeChange] {
    guard book.assessedAt != nil else { return [] }
    var changes: [BrakeChange] = []
    var seen: Set<String> = []
    for state in book.states {
      let series = series(state.measure, state.scope, state.key)
      seen.insert(series)
      let before = recorded[series] ?? none
      let after = state.engaged.map { label($0.step.action) } ?? none
      guard before != after else { continue }
      changes.append(
        BrakeChange(
          measure: state.measure, scope: state.scope, key: state.key, from: before, to: after,
          rate: state.rate, count: state.count, base: state.base,
          threshold: state.engaged?.step.at, at: now))
    }
    // A brake whose rate is no longer measured at all (its days left the history) is off.
    for (series, before) in recorded.sorted(by: { $0.key < $1.key })
    where before != none && !seen.contains(series) {
      let parts = series.split(separator: " ", maxSplits: 2).map(String.init)
      guard parts.count == 3, let measure = ReputationPolicy.Measure(rawValue: parts[0]),
        let scope = ReputationPolicy.Scope(rawValue: parts[1])
      else { continue }
      changes.append(
        BrakeChange(
          measure: measure, scope: scope, key: parts[2], from: before, to: none,
          rate: Rate(perMillion: 0), count: 0, base: 0, threshold: nil, at: now))
    }
    return changes
  }

  public static let none = "none"

  public static func label(_ action: ReputationPolicy.Action) -> String {
    switch action {
    case .pause: return "pause"
    case .throttle(let keep): return "throttle \(keep)"
    }
  }

  /// The change as the brake log holds it (canonical JSON, under the log's hash chain).
  public func canonical(policyVersion: String) -> String {
    var json = CanonicalJSON()
    json.object { json in
      json.key("at")
      json.date(at)
      json.key("base")
      json.number(base)
      json.key("count")
      json.number(count)
      json.field("from", from)
      json.field("key", key)
      json.field("measure", measure.rawValue)
      json.field("policy_version", policyVersion)
      json.field("rate", rate.description)
      json.field("scope", scope.rawValue)
      if let threshold { json.field("threshold", threshold.description) }
      json.field("to", to)
    }
    return json.text
  }

  /// Reads back `canonical`; nil for text it did not write.
  public init?(canonical text: String) {
    guard
      let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
      let measure = (object["measure"] as? String).flatMap(ReputationPolicy.Measure.init),
      let scope = (object["scope"] as? String).flatMap(ReputationPolicy.Scope.init),
      let key = object["key"] as? String, let from = object["from"] as? String,
      let to = object["to"] as? String,
      let rate = (object["rate"] as? String).flatMap(Rate.init(percent:)),
      let count = object["count"] as? Int, let base = object["base"] as? Int,
      let at = (object["at"] as? String).flatMap({ try? Date($0, strategy: .iso8601) })
    else { return nil }
    self.init(
      measure: measure, scope: scope, key: key, from: from, to: to, rate: rate, count: count,
      base: base, threshold: (object["threshold"] as? String).flatMap(Rate.init(percent:)),
      at: at)
  }
}
