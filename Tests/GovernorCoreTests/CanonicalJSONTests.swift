import Foundation
import GovernorCore
import Testing

/// The audit log's records are hashed, so their bytes must never drift: `CanonicalJSON` is
/// held to exactly what `JSONEncoder` (sorted keys, unescaped slashes, ISO 8601) wrote before
/// it, over decisions of every shape and over hostile strings.
@Suite("Canonical JSON")
struct CanonicalJSONTests {
  static func canonical(_ decision: Decision) -> String {
    var json = CanonicalJSON()
    decision.writeCanonical(&json)
    return json.text
  }

  /// Decisions from the shipped policy: forwarded, blocked by consent, suppression and caps,
  /// deferred by quiet hours, with tracking removed, in several zones and at fractional times.
  static func engineDecisions() throws -> [Decision] {
    let engine = Engine(policy: try shippedPolicy("default"))
    let html = """
      <p>Hi <a href="https://shop.example/p?utm_source=mail&id=7">shop</a>
      <img src="https://t.sendgrid.net/wf/open?upn=abc" width="1" height="1">
      <a href="https://click.example.com/ls/click?upn=x%22y">"quoted" é</a></p>
      """
    let states = [
      customer("a"), customer("b", zone: zone("America/Los_Angeles")),
      customer("c", consents: []),
      customer(
        "d",
        suppressions: [
          Suppression(reason: .unsubscribed, scope: .all, at: time("2026-01-01T00:00:00Z"))
        ]),
      customer(
        "e", zone: zone("Asia/Tokyo"),
        sends: (0..<20).map { ("2026-11-\(String(format: "%02d", $0 + 1))T10:00:00Z", "marketing") }
      ),
      customer("f", preference: FrequencyPreference(max: 1, window: .rolling(seconds: 7 * 86_400))),
    ]
    var decisions: [Decision] = []
    for state in states {
      for instant in [1_795_000_000.25, 1_795_030_000.999, 1_795_070_000.5] {
        for category in ["marketing", "newsletter", "transactional"] {
          var message = message(category, id: "m-\(state.customerId)-\(Int(instant))")
          message.to = state.email ?? message.to
          message.html = html
          message.text = "Visit https://shop.example/?utm_campaign=x"
          decisions.append(
            engine.evaluate(message, for: state, at: Date(timeIntervalSince1970: instant)))
        }
      }
    }
    return decisions
  }

  @Test("every engine decision: the same bytes as JSONEncoder")
  func engineDecisionsMatch() throws {
    let decisions = try Self.engineDecisions()
    #expect(Set(decisions.map(\.outcome)) == [.forwarded, .blocked, .deferred])
    #expect(decisions.contains { !$0.modifications.isEmpty })
    for decision in decisions {
      #expect(Self.canonical(decision) == (try Self.encoderBytes(decision)))
    }
  }

  static func encoderBytes(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  static let nasty: String = {
    var controls = ""
    for value in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
    return controls + "\u{7F}\"\\/</script>é😀\u{2028}\u{85}"
  }()

  @Test("hostile strings in every field, and old, far and fractional times, match too")
  func hostileDecisionsMatch() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    var decision = engine.decide(customer(), at: "2026-11-26T12:00:00Z")
    decision.messageId = Self.nasty
    decision.customerId = "é/\""
    decision.category = Self.nasty
    decision.policy = PolicyReference(name: Self.nasty, version: "sha256:00")
    // Before 1900 and after 9999 are left out: Foundation switches to the Julian calendar
    // before 1582, the canonical writer stays Gregorian; no decision is made in those years.
    decision.notBefore = Date(timeIntervalSince1970: -2_208_988_800.5)
    decision.evaluatedAt = Date(timeIntervalSince1970: 253_402_300_799.9)
    decision.modifications = [
      Modification(kind: "open_pixel_removed", url: Self.nasty),
      Modification(
        kind: "link_unwrapped", url: "https://a/b", replacement: "https://c", part: "html"),
    ]
    let suppression = Suppression(
      reason: .complaint, scope: .category(Self.nasty), at: Date(timeIntervalSince1970: -1.5),
      source: Self.nasty)
    decision.reasons = [
      Reason(
        rule: Self.nasty, effect: .block,
        finding: .unknownCategory(category: Self.nasty, known: [Self.nasty, "a"])),
      Reason(
        rule: "consent", effect: .shadow,
        finding: .consentKindUnknown(purpose: Self.nasty, kind: Self.nasty), maxDelaySeconds: 3_600),
      Reason(
        rule: "suppression", effect: .defer, finding: .suppressed(suppression, category: Self.nasty)
      ),
    ]
    #expect(Self.canonical(decision) == (try Self.encoderBytes(decision)))
  }

  @Test("facts: keys in byte order, a repeated key keeps its last value")
  func factsMatch() throws {
    var facts: Facts = ["b": .text(Self.nasty), "a10": .number(-42), "a2": .flag(true)]
    facts.append("B", .times([Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 0)]))
    facts.append("_x", .texts([Self.nasty, ""]))
    facts.append("é", .number(Int.max))
    facts.append("b", .time(Date(timeIntervalSince1970: 1_795_000_000.9999)))
    var json = CanonicalJSON()
    facts.writeCanonical(&json)
    #expect(json.text == (try Self.encoderBytes(facts)))
  }
}
