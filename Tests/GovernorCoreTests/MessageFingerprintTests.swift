import Foundation
import GovernorCore
import Testing

@Suite("Message fingerprint")
struct MessageFingerprintTests {
  let base = Message(
    id: "m1", customerId: "c1", to: "c1@example.com", from: "news@shop.example",
    subject: "Hello", html: "<p>Hi</p>", text: "Hi", headers: ["X-A": "1", "X-B": "2"],
    category: "marketing", campaignId: "spring")

  @Test("the id and the governor's own stamp are not the message; every other field is")
  func whatCounts() {
    var same = base
    same.id = "m2"
    same.receivedAt = Date()
    same.headers = ["X-B": "2", "X-A": "1"]
    #expect(same.fingerprint == base.fingerprint)
    #expect(base.fingerprint.hasPrefix("sha256:") && base.fingerprint.count == 71)
    let changes: [(inout Message) -> Void] = [
      { $0.customerId = "c2" }, { $0.to = "other@example.com" }, { $0.from = "x@shop.example" },
      { $0.subject = "Hello!" }, { $0.html = nil }, { $0.text = "Hi." },
      { $0.headers["X-A"] = "2" }, { $0.category = "transactional" }, { $0.campaignId = nil },
      // A field's value must not be able to pose as the next field.
      {
        $0.subject = #"Hello","text":"Hi"#
        $0.text = nil
      },
    ]
    var seen: Set<String> = [base.fingerprint]
    for change in changes {
      var other = base
      change(&other)
      #expect(seen.insert(other.fingerprint).inserted)
    }
  }
}
