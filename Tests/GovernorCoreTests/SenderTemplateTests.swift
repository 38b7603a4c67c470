import Foundation
import Testing

@testable import GovernorCore

/// A body the mail sender renders from its own template: decided like any other message,
/// with the decision saying the governor did not see it.
@Suite("Sender templates")
struct SenderTemplateTests {
  static func templated(data: String? = #"{"first_name":"Ann"}"#) -> Message {
    var message = message()
    message.html = nil
    message.template = SenderTemplate(provider: .sendgrid, id: "d-spring", data: data)
    return message
  }

  func problems(_ message: Message) throws -> [String] {
    do {
      _ = try RecordValidator(policy: try shippedPolicy("default")).message(message)
      return []
    } catch let error as InvalidRecord {
      return error.problems.map(\.field)
    }
  }

  @Test("a forwarded templated message says its body was not seen; a blocked one says nothing")
  func bodyNotSeen() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let now = time("2026-11-18T10:00:00Z")
    let forwarded = engine.evaluate(Self.templated(), for: customer(), at: now)
    #expect(forwarded.outcome == .forwarded)
    let notSeen = forwarded.modifications.filter { $0.kind == TrackingChange.bodyNotSeen }
    #expect(notSeen.count == 1)
    #expect(notSeen.first?.detail?.contains("sendgrid template d-spring") == true)
    #expect(forwarded.rewritten == nil)
    let blocked = engine.evaluate(Self.templated(), for: customer(consents: []), at: now)
    #expect(blocked.outcome == .blocked)
    #expect(!blocked.modifications.contains { $0.kind == TrackingChange.bodyNotSeen })
  }

  @Test("a template needs no body, stands alone, and its data is one JSON object")
  func validation() throws {
    #expect(try problems(Self.templated()).isEmpty)
    #expect(try problems(Self.templated(data: nil)).isEmpty)
    var withBody = Self.templated()
    withBody.text = "Hi"
    #expect(try problems(withBody) == ["template"])
    #expect(try problems(Self.templated(data: "[1,2]")) == ["template.data"])
    #expect(try problems(Self.templated(data: "{")) == ["template.data"])
    var unnamed = Self.templated()
    unnamed.template?.id = " "
    #expect(try problems(unnamed) == ["template.id"])
    var neither = Self.templated()
    neither.template = nil
    #expect(try problems(neither) == ["text"])
  }

  @Test("the template, its id and its data are part of the message's fingerprint")
  func fingerprint() {
    let base = Self.templated()
    var untemplated = base
    untemplated.template = nil
    var otherId = base
    otherId.template?.id = "d-summer"
    var otherData = base
    otherData.template?.data = #"{"first_name":"Bo"}"#
    var otherProvider = base
    otherProvider.template?.provider = .ses
    let prints = [base, untemplated, otherId, otherData, otherProvider].map(\.fingerprint)
    #expect(Set(prints).count == prints.count)
  }

  @Test("the JSON a door or a deferred message stores keeps the template")
  func roundTrip() throws {
    let encoded = try JSONEncoder().encode(Self.templated())
    let decoded = try JSONDecoder().decode(Message.self, from: encoded)
    #expect(decoded.template == Self.templated().template)
  }
}
