import Foundation
import GovernorCore
import Testing

@testable import GovernorHTTP

/// The documented mapping from a listmonk subscriber's `attribs.consent` to consent events.
@Suite("listmonk consent attributes")
struct ListmonkConsentTests {
  func events(_ attribs: String) throws -> [ConsentEvent] {
    let body =
      #"{"subject":"s","body":"b","recipients":[{"uuid":"u-1","email":"a@example.com","attribs":"#
      + attribs + "}]}"
    let postback = try JSONDecoder().decode(ListmonkPostback.self, from: Data(body.utf8))
    let recipient = try #require(postback.recipients.first)
    return try ListmonkConsent.events(
      recipient.attribs?["consent"], recipient: recipient, field: "recipients.0.attribs.consent")
  }

  func refusal(_ attribs: String) -> String? {
    do {
      _ = try events(attribs)
      return nil
    } catch let error as InvalidRecord {
      return error.problems.first?.field
    } catch {
      return "\(error)"
    }
  }

  @Test("a time is a grant; an object may withdraw, name its kind, confirmation and proof")
  func mapping() throws {
    let found = try events(
      #"""
      {"consent": {"tracking": "2026-03-01T10:00:00Z",
                   "marketing": {"at": "2026-04-01T09:00:00.5Z", "status": "withdrawn",
                                 "source": "preference centre", "kind": "express"}},
       "city": "Pune"}
      """#)
    #expect(found.map(\.purpose) == ["marketing", "tracking"])
    #expect(found[0].status == .withdrawn && found[0].source == "preference centre")
    #expect(found[1].status == .granted && found[1].source == "listmonk subscriber u-1")
    #expect(found.allSatisfy { $0.address == "a@example.com" })
    #expect(try events(#"{"city": "Pune"}"#).isEmpty)
  }

  @Test("what cannot be read names its attribute")
  func refusals() {
    let field = "recipients.0.attribs.consent"
    #expect(refusal(#"{"consent": "yes"}"#) == field)
    #expect(refusal(#"{"consent": {"marketing": "soon"}}"#) == field + ".marketing")
    #expect(refusal(#"{"consent": {"marketing": {"proof": "x"}}}"#) == field + ".marketing.at")
    #expect(
      refusal(#"{"consent": {"marketing": {"at": "2026-03-01T10:00:00Z", "status": "maybe"}}}"#)
        == field + ".marketing.status")
    #expect(refusal(#"{"consent": {"marketing": 5}}"#) == field + ".marketing")
  }
}
