import Foundation

/// A reputation brake holding a message: the rate, the line it reached, the scope, and when
/// the message may be tried again.
public struct BrakeFinding: Hashable, Sendable {
  public var state: BrakeState
  public var brake: EngagedBrake
  /// When the message may be decided again: the brake's earliest release for a pause, the
  /// next day's share for a throttle.
  public var until: Date

  var code: String {
    switch brake.step.action {
    case .pause: return "reputation_paused"
    case .throttle: return "reputation_throttled"
    }
  }

  var sentence: String {
    let step = brake.step
    var sentence = state.phrase
    if step.at.isReached(by: state.count, of: state.base) && state.hasVerdict {
      sentence += " ≥ \(step.at)"
    } else {
      sentence +=
        "; braked since \(brake.engagedOn), when it was \(brake.rateThen) ≥ \(step.at)"
    }
    switch step.action {
    case .pause:
      sentence +=
        ": \(step.categories.joined(separator: "/")) mail is paused until the daily rate has "
        + "been below \(brake.resume.below) for \(brake.resume.days) "
        + "\(brake.resume.days == 1 ? "day" : "days") of sending (no earlier than "
        + "\(Finding.format(brake.releasableAt)))"
    case .throttle(let keep):
      sentence +=
        ": throttled to \(keep) of customers; this customer's mail waits for the next day's "
        + "share (\(Finding.format(until)))"
    }
    return sentence
  }

  var facts: Facts {
    var facts: Facts = [
      "measure": .text(state.measure.rawValue), "scope": .text(state.scope.rawValue),
      "key": .text(state.key), "rate": .text(state.rate.description),
      "threshold": .text(brake.step.at.description), "count": .number(state.count),
      "base": .number(state.base), "window_days": .number(state.windowDays),
    ]
    switch brake.step.action {
    case .pause: facts.append("action", .text("pause"))
    case .throttle(let keep):
      facts.append("action", .text("throttle"))
      facts.append("keep", .text(keep.description))
    }
    facts.append("engaged_on", .text(brake.engagedOn.description))
    facts.append("rate_then", .text(brake.rateThen.description))
    facts.append("resume_below", .text(brake.resume.below.description))
    facts.append("resume_days", .number(brake.resume.days))
    facts.append("releasable_at", .time(brake.releasableAt))
    facts.append("until", .time(until))
    return facts
  }
}
