import Foundation
import GovernorCore
import Testing

/// A message goes to exactly one person: `to`, `from` and every address-bearing header hold
/// one RFC 5322 mailbox, and nothing that reads as a second address.
@Suite("One mailbox per message")
struct MailboxTests {
  @Test(
    "lists, groups and names that read as another address are refused",
    arguments: [
      "a@x.example,b@y.example",
      "S4 <s4@example.com>,victim@example.org",
      "<a@x.example>, <b@y.example>",
      "<a@x.example> <b@y.example>",
      "s4@example.com <victim@example.org>",
      "\"s4@example.com\" <victim@example.org>",
      "undisclosed-recipients:;",
      "friends: a@x.example, b@y.example;",
      "a@x.example; b@y.example",
      "a@x.example b@y.example",
      "Ana <a@x.example> b@y.example",
      "a@x.example (see) b@y.example",
    ])
  func notOneMailbox(_ text: String) {
    #expect(throws: Mailbox.Problem.self) { try Mailbox(parsing: text) }
  }

  @Test("one mailbox in any of its RFC 5322 spellings is read into its parts")
  func oneMailbox() throws {
    let cases: [(String, String?, String)] = [
      ("ana@example.com", nil, "ana@example.com"),
      ("  ana@example.com  ", nil, "ana@example.com"),
      ("<ana@example.com>", nil, "ana@example.com"),
      ("Ana Pérez <ana@example.com>", "Ana Pérez", "ana@example.com"),
      ("\"Pérez, Ana\" <ana@example.com>", "Pérez, Ana", "ana@example.com"),
      ("\"Ana \\\"the\\\" Pérez\" <ana@example.com>", "Ana \"the\" Pérez", "ana@example.com"),
      ("J. Doe <j.doe+news@shop.example>", "J. Doe", "j.doe+news@shop.example"),
      ("ana@example.com (Ana, at home)", nil, "ana@example.com"),
      ("ana@example.com (see <here>)", nil, "ana@example.com"),
      ("\"a<b\" <ana@example.com>", "a<b", "ana@example.com"),
      ("Ana (home) <ana@example.com>", "Ana", "ana@example.com"),
      ("\"john doe\"@example.com", nil, "\"john doe\"@example.com"),
      ("ünï@cödé.example", nil, "ünï@cödé.example"),
    ]
    for (text, name, address) in cases {
      let mailbox = try Mailbox(parsing: text)
      #expect(mailbox.displayName == name, "\(text)")
      #expect(mailbox.address == address, "\(text)")
    }
  }

  @Test(
    "malformed addresses are refused",
    arguments: [
      "", "   ", "@b.example", "a@", "a@bc", "a@b@c.example", "a..b@c.example", ".a@c.example",
      "a.@c.example", "a@c..example", "a@-c.example", "a@c.example.", "a@[1.2.3.4]",
      "Ana <ana@example.com", "Ana ana@example.com>", "\"Ana <ana@example.com>",
      "a\u{A0}b@c.example", "(unclosed ana@example.com",
      String(repeating: "a", count: 65) + "@example.com",
      "a@" + String(repeating: "b", count: 250) + ".example",
    ])
  func malformed(_ text: String) {
    #expect(throws: Mailbox.Problem.self) { try Mailbox(parsing: text) }
  }

  @Test("the problem says a list is a list, in words for the field")
  func listProblem() {
    #expect(throws: Mailbox.Problem.list) { try Mailbox(parsing: "<a@x.example>, <b@y.example>") }
    #expect(throws: Mailbox.Problem.displayNameHoldsAddress) {
      try Mailbox(parsing: "s4@example.com <victim@example.org>")
    }
  }
}

@Suite("Message validation: one recipient")
struct OneRecipientValidationTests {
  let good = Message(
    id: "m1", customerId: "1001", to: "ana@example.com", from: "Shop <news@shop.example>",
    subject: "Hi", text: "Hello", category: "marketing")

  func problems(_ message: Message) throws -> [FieldProblem] {
    do {
      _ = try RecordValidator(policy: try shippedPolicy("default")).message(message)
      return []
    } catch let error as InvalidRecord {
      return error.problems
    }
  }

  @Test("a 'to' or 'from' holding several people is refused, naming the field")
  func severalPeople() throws {
    var message = good
    message.to = "S4 <s4@example.com>,victim@example.org"
    message.from = "a@shop.example, b@shop.example"
    let found = try problems(message)
    #expect(found.map(\.field) == ["to", "from"])
    #expect(found.first?.problem.contains("more than one address") == true)
  }

  @Test("headers that route to more people are refused; address headers hold one mailbox")
  func addressHeaders() throws {
    var message = good
    message.headers = [
      "Resent-To": "victim@example.org", "Resent-Bcc": "victim@example.org",
      "Reply-To": "help@shop.example, other@example.org",
      "Sender": "Shop <shop@shop.example>",
    ]
    #expect(
      try problems(message).map(\.field)
        == ["headers.Reply-To", "headers.Resent-Bcc", "headers.Resent-To"])
    message.headers = ["Reply-To": "Help <help@shop.example>"]
    #expect(try problems(message).isEmpty)
  }

  @Test("a header value that no folding can bring under 998 bytes a line is refused")
  func unfoldable() throws {
    var message = good
    message.subject = String(repeating: "x", count: 1_000)
    message.headers = [
      "X-Long": String(repeating: "y", count: 1_000),
      "X-Foldable": Array(repeating: "word", count: 400).joined(separator: " "),
    ]
    #expect(try problems(message).map(\.field) == ["subject", "headers.X-Long"])
    // A non-ASCII subject becomes encoded-words, which fold anywhere.
    message.subject = String(repeating: "ñ", count: 1_000)
    message.headers = [:]
    #expect(try problems(message).isEmpty)
  }

  @Test(
    "Unicode line separators are refused like CR and LF",
    arguments: ["\u{85}", "\u{2028}", "\u{2029}"])
  func unicodeLineBreaks(_ separator: String) throws {
    var message = good
    message.subject = "Hi\(separator)Bcc: x@example.org"
    message.headers = ["X-Campaign": "bf26\(separator)Bcc: x@example.org"]
    #expect(try problems(message).map(\.field) == ["subject", "headers.X-Campaign"])
  }
}
