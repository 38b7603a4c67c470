import Foundation
import Testing

@testable import GovernorCore

/// Records are checked against the policy before they are stored; every problem names the
/// field as the API spells it.
@Suite("Record validation")
struct RecordValidationTests {
  let now = time("2026-11-22T12:00:00Z")

  func validator() throws -> RecordValidator {
    RecordValidator(policy: try shippedPolicy("default"))
  }

  func problems(_ body: () throws -> Void) -> [String] {
    do {
      try body()
      return []
    } catch let error as InvalidRecord {
      return error.problems.map(\.description)
    } catch {
      return ["not an InvalidRecord: \(error)"]
    }
  }

  @Test("a consent for a purpose the policy does not know names the purpose, with a hint")
  func unknownPurpose() throws {
    let validator = try validator()
    let event = ConsentEvent(
      purpose: "marketting", status: .granted, at: now, source: "signup-form")
    let found = problems { _ = try validator.consent(event, now: now) }
    #expect(found.count == 1)
    #expect(found.first?.hasPrefix("purpose: 'marketting' is not a purpose of policy") == true)
    #expect(found.first?.hasSuffix("did you mean 'marketing'?") == true)
  }

  @Test("times beyond clock skew are refused; within it they pass")
  func futureTimes() throws {
    let validator = try validator()
    let late = ConsentEvent(
      purpose: "marketing", status: .granted, at: now + 3600, source: "signup-form")
    let found = problems { _ = try validator.consent(late, now: now) }
    #expect(found.count == 1)
    #expect(found.first?.hasPrefix("at: 2026-11-22T13:00:00Z is in the future") == true)
    let skewed = ConsentEvent(
      purpose: "marketing", status: .granted, at: now + 60, source: "signup-form")
    #expect(problems { _ = try validator.consent(skewed, now: now) }.isEmpty)
    let suppression = Suppression(reason: .complaint, at: now + 86_400)
    #expect(
      problems { _ = try validator.suppression(suppression, now: now) }.first?.hasPrefix("at: ")
        == true)
  }

  @Test("every problem in a record is reported at once")
  func everyProblem() throws {
    let event = ConsentEvent(
      purpose: "ads", status: .granted, kind: "verbal", at: now + 86_400,
      confirmedAt: now - 60)
    let fields = problems { _ = try validator().consent(event, now: now) }
      .map { String($0.prefix { $0 != ":" }) }
    #expect(fields == ["purpose", "kind", "at", "confirmed_at", "source"])
  }

  @Test("a withdrawal needs no source; a grant does")
  func sourceForGrants() throws {
    let validator = try validator()
    let withdrawn = ConsentEvent(purpose: "marketing", status: .withdrawn, at: now)
    #expect(problems { _ = try validator.consent(withdrawn, now: now) }.isEmpty)
    let granted = ConsentEvent(purpose: "marketing", status: .granted, at: now, source: "  ")
    #expect(
      problems { _ = try validator.consent(granted, now: now) }.first?.hasPrefix(
        "source: is required for granted consent") == true)
  }

  @Test("a suppression scoped to an unknown category names the scope")
  func unknownScope() throws {
    let suppression = Suppression(reason: .unsubscribed, scope: .category("newsleter"), at: now)
    let found = problems { _ = try validator().suppression(suppression, now: now) }
    #expect(found.first?.hasPrefix("scope: 'newsleter' is neither 'all' nor a category") == true)
  }

  @Test("a profile with a bad address, zone or preference names each field")
  func badProfile() throws {
    let profile = CustomerProfile(
      id: "c1", email: "ana at example.com", timeZone: "Europe/Madird",
      frequencyPreference: FrequencyPreference(max: -1, window: .calendar(.week)))
    let fields = problems { _ = try validator().profile(profile) }
      .map { String($0.prefix { $0 != ":" }) }
    #expect(fields == ["email", "time_zone", "frequency_preference.max"])
  }
}

@Suite("Record decoding")
struct RecordDecodingTests {
  func problem<T: Decodable>(_ type: T.Type, _ json: String) -> String? {
    do {
      _ = try RecordDecoding.decode(type, from: Data(json.utf8))
      return nil
    } catch {
      return error.description
    }
  }

  @Test("a suppression without a reason is refused, naming the field")
  func missingReason() {
    #expect(problem(Suppression.self, #"{"at": "2026-11-01T10:00:00Z"}"#) == "reason: is required")
  }

  @Test("an unknown reason lists the accepted ones")
  func unknownReason() {
    #expect(
      problem(Suppression.self, #"{"reason": "bounced", "at": "2026-11-01T10:00:00Z"}"#)
        == "reason: 'bounced' is not one of unsubscribed, hard_bounce, complaint, manual")
  }

  @Test("wrong types, bad times and nested fields are named by their path")
  func paths() {
    #expect(
      problem(ConsentEvent.self, #"{"purpose": 7, "status": "granted", "at": "x"}"#)
        == "purpose: must be a string")
    #expect(
      problem(ConsentEvent.self, #"{"purpose": "marketing", "status": "granted", "at": "noon"}"#)
        == "at: 'noon' is not an ISO 8601 time such as 2026-11-22T09:30:00Z")
    #expect(
      problem(CustomerProfile.self, #"{"id": "c1", "frequency_preference": {"max": 2}}"#)
        == "frequency_preference.per: is required")
    #expect(problem(Suppression.self, "[1, 2]") == "body: must be an object")
    #expect(problem(Suppression.self, "{") == "body: is not a JSON object")
  }

  @Test("a body that is not UTF-8 is refused as such")
  func invalidUTF8() {
    var bytes = Data(#"{"reason": "complaint", "at": "2026-11-01T10:00:00Z", "source": ""#.utf8)
    bytes.append(contentsOf: [0xC3, 0x28])
    bytes.append(Data(#""}"#.utf8))
    do {
      _ = try RecordDecoding.decode(Suppression.self, from: bytes)
      Issue.record("decoded invalid UTF-8")
    } catch {
      #expect(error.description == "body: is not valid UTF-8")
    }
  }

  @Test("fractional seconds are accepted")
  func fractionalSeconds() throws {
    let suppression = try RecordDecoding.decode(
      Suppression.self,
      from: Data(#"{"reason": "complaint", "at": "2026-11-01T10:00:00.250Z"}"#.utf8))
    #expect(suppression.at == time("2026-11-01T10:00:00Z") + 0.25)
  }
}

@Suite("Message validation")
struct MessageValidationTests {
  func fields(_ message: Message) throws -> [String] {
    do {
      _ = try RecordValidator(policy: try shippedPolicy("default")).message(message)
      return []
    } catch let error as InvalidRecord {
      return error.problems.map(\.field)
    }
  }

  let good = Message(
    id: "m1", customerId: "1001", to: "ana@example.com", from: "Shop <news@shop.example>",
    subject: "Hi", text: "Hello", headers: ["X-Campaign": "bf26"], category: "marketing")

  @Test("a well-formed message passes")
  func wellFormed() throws {
    #expect(try fields(good).isEmpty)
  }

  @Test("CR or LF anywhere that becomes a header line is header injection")
  func headerInjection() throws {
    var message = good
    message.subject = "Hi\r\nBcc: everyone@example.com"
    message.to = "ana@example.com\nBcc: x@example.com"
    message.headers = ["X-Campaign": "bf26\r\nBcc: x@example.com"]
    #expect(try fields(message) == ["to", "to", "subject", "headers.X-Campaign"])
  }

  @Test("unknown category, bad addresses, reserved headers and no body are named")
  func namedProblems() throws {
    var message = good
    message.category = "marketting"
    message.from = "shop"
    message.headers = ["Subject": "other", "Bad Name": "x"]
    message.text = nil
    #expect(
      try fields(message) == ["from", "headers.Bad Name", "headers.Subject", "category", "text"])
  }

  @Test("an address needs one @, something before it, a dot after it, and no whitespace")
  func addressShape() {
    let good = ["a@b.c", "ana.bé@shop.example", "x+tag@[1.2.3.4]", "a@b.c.d", "ünï@cödé.example"]
    let bad = [
      "", "@b.c", "a@bc", "a@b@c.d", "a b@c.d", "a@c.d ", "a\t@c.d", "a@c.d\n",
      "a\u{A0}@c.d", "a@c\u{3000}.d", "a@c.\u{2028}d", "a@c.d\u{85}", "a.b@", "ab.c",
    ]
    for address in good {
      #expect(RecordValidator.looksLikeAddress(address), "\(address)")
    }
    for address in bad {
      #expect(!RecordValidator.looksLikeAddress(address), "\(address.debugDescription)")
    }
  }
}
