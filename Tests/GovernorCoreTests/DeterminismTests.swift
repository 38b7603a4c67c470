import Foundation
import GovernorCore
import Testing

@Suite("Determinism")
struct DeterminismTests {
  @Test("the same inputs give the same decision, whatever order the history arrives in")
  func sameInputsSameDecision() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let sends = [
      ("2026-11-24T10:00:00Z", "marketing"), ("2026-11-20T10:00:00Z", "newsletter"),
      ("2026-11-22T10:00:00Z", "marketing"), ("2026-11-26T01:00:00Z", "transactional"),
    ]
    let first = engine.decide(
      customer(zone: zone("Europe/Madrid"), sends: sends), at: "2026-11-26T21:30:00Z")
    for permutation in [sends.reversed(), sends.shuffled(), sends.shuffled()] {
      let again = engine.decide(
        customer(zone: zone("Europe/Madrid"), sends: Array(permutation)), at: "2026-11-26T21:30:00Z"
      )
      #expect(again == first)
    }
    #expect(first.outcome == .blocked)
    #expect(first.reasons.map(\.rule) == ["caps.weekly", "quiet_hours"])
  }

  @Test("a decision records the exact policy version that made it")
  func policyVersionRecorded() throws {
    let loaded = try shippedPolicy("eu-strict")
    let decision = Engine(policy: loaded).decide(customer(), at: "2026-11-26T12:00:00Z")
    #expect(decision.policy == PolicyReference(name: "eu-strict", version: loaded.version))
    // The version covers the policy file and every tracker list it names, as stored.
    #expect(loaded.version == PolicyLoader.version(of: Data(loaded.text.utf8)))
    let file = String(decoding: try repositoryFile("policies/eu-strict.yaml"), as: UTF8.self)
    #expect(loaded.text.hasPrefix(file))
    for list in loaded.tracking.lists {
      let text = String(decoding: try repositoryFile("policies/" + list), as: UTF8.self)
      #expect(loaded.text.contains(text))
    }
  }
}
