import Foundation

/// Where one rate of one scope stands: measured over the window, and the brake it holds on,
/// if any. What `/metrics`, `/review` and a braked decision's reason show.
public struct BrakeState: Hashable, Sendable {
  public var measure: ReputationPolicy.Measure
  public var scope: ReputationPolicy.Scope
  /// The sending domain or the campaign id.
  public var key: String
  /// Over the window, up to now.
  public var rate: Rate
  public var count: Int
  /// The rate's base: deliveries (less excluded domains) for complaints, deliveries and hard
  /// bounces for hard bounces.
  public var base: Int
  /// The base reached the policy's minimum volume: the rate is a verdict.
  public var hasVerdict: Bool
  public var windowDays: Int
  public var engaged: EngagedBrake?

  /// `0.31% complaints on news.shop.example over 7 days`.
  public var phrase: String {
    let on = scope == .campaign ? "campaign \(key)" : key
    let what = measure == .complaints ? "complaints" : "hard bounces"
    return "\(rate) \(what) on \(on) over \(windowDays) \(windowDays == 1 ? "day" : "days")"
  }
}

/// A brake in force: the step the rate reached and what releases it.
public struct EngagedBrake: Hashable, Sendable {
  public var step: ReputationPolicy.Step
  /// The day of sending (UTC) whose window rate reached the step.
  public var engagedOn: CivilDate
  /// The rate measured over the window on that day.
  public var rateThen: Rate
  public var resume: ReputationPolicy.Resume
  /// The start of the first day that could release it: `resume.days` days of sending below
  /// the resume line after the last one that was not.
  public var releasableAt: Date
}

/// Every brake state at one moment: the rates are an input of the engine like the customer's
/// state, so a decision made with a book is a pure function of it, and the book itself a pure
/// function of the counts and the day (`ReputationAssessment`).
public struct ReputationBook: Hashable, Sendable {
  public var assessedAt: Date?
  /// One per measured rate and scope key, sorted by scope, key and measure.
  public var states: [BrakeState]

  public init(assessedAt: Date? = nil, states: [BrakeState] = []) {
    self.assessedAt = assessedAt
    self.states = states
    engaged = states.filter { $0.engaged != nil }
  }

  /// Read on every decision: kept apart so a book of thousands of quiet campaigns costs a
  /// decision nothing.
  private(set) var engaged: [BrakeState]

  public static let empty = ReputationBook()

  public var brakes: [BrakeState] { engaged }

  public static func == (lhs: ReputationBook, rhs: ReputationBook) -> Bool {
    lhs.assessedAt == rhs.assessedAt && lhs.states == rhs.states
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(assessedAt)
    hasher.combine(states)
  }

  /// The brakes on a message of `category` from `sendingDomain` in `campaign`.
  func brakes(category: String, sendingDomain: String, campaign: String?) -> [BrakeState] {
    engaged.filter { state in
      guard let brake = state.engaged, brake.step.categories.contains(category) else {
        return false
      }
      switch state.scope {
      case .sendingDomain: return state.key == sendingDomain
      case .campaign: return state.key == campaign
      }
    }
  }

  /// Whether a throttle holds `customerId`'s mail on `day`: a hash of both, so every node
  /// (and a restarted one) holds the same customers, and another share on the next day.
  public static func throttleHolds(customerId: String, day: Int, keep: Rate) -> Bool {
    var hash = StableHash.seed
    StableHash.add(customerId, to: &hash)
    hash = StableHash.finish(hash ^ UInt64(bitPattern: Int64(day)))
    return Int(hash % 1_000_000) >= keep.perMillion
  }
}
