import Foundation
import GovernorCore
import Testing

@testable import GovernorDelivery

/// Outgoing header lines follow the mail standards whatever the campaign tool wrote.
@Suite("MIME headers")
struct MIMEHeaderTests {
  func message(to: String = "ana@example.com", from: String = "Shop <news@shop.example>")
    -> Message
  {
    Message(
      id: "m1", customerId: "c1", to: to, from: from, subject: "Hello", text: "Hi",
      category: "marketing")
  }

  func headerSection(_ message: Message) -> [String] {
    let rendered = MIMEMessage.render(message, date: Date(timeIntervalSince1970: 0))
    let head = rendered.components(separatedBy: "\r\n\r\n").first ?? ""
    return head.components(separatedBy: "\r\n")
  }

  /// A header's value with its folding undone.
  func value(_ name: String, in lines: [String]) -> String? {
    var found: String?
    for line in lines {
      if line.hasPrefix("\(name): ") {
        found = String(line.dropFirst(name.count + 2))
      } else if found != nil, line.first == " " || line.first == "\t" {
        found! += line
      } else if found != nil {
        break
      }
    }
    return found
  }

  @Test("no line passes 78 characters where white space allows, nor 998 ever")
  func folding() {
    var long = message()
    long.subject = Array(repeating: "word", count: 150).joined(separator: " ")
    long.headers = [
      "List-Unsubscribe": "<https://mail.example.com/u/" + String(repeating: "t", count: 300)
        + ">, <mailto:unsubscribe@example.com?subject=unsubscribe%20"
        + String(repeating: "t", count: 300) + ">"
    ]
    let lines = headerSection(long)
    #expect(lines.allSatisfy { $0.utf8.count <= 998 })
    #expect(lines.filter { $0.utf8.count > 78 }.count == 2)  // the two long URIs, unbreakable
    #expect(value("Subject", in: lines) == long.subject)
    #expect(value("List-Unsubscribe", in: lines) == long.headers["List-Unsubscribe"])
  }

  @Test("a non-ASCII subject is encoded-words of at most 75 characters that decode back")
  func encodedSubject() throws {
    var localised = message()
    localised.subject = String(repeating: "Ofertas de otoño — ¡últimos días! ", count: 6)
    let lines = headerSection(localised)
    let subject = try #require(value("Subject", in: lines))
    let words = subject.split(separator: " ")
    #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") })
    let decoded = words.map { word -> String in
      let base64 = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
      return String(decoding: Data(base64Encoded: String(base64)) ?? Data(), as: UTF8.self)
    }.joined()
    #expect(decoded == localised.subject)
    #expect(lines.allSatisfy { $0.utf8.count <= 78 })
  }

  @Test("non-ASCII display names are encoded, IDN domains written in their xn-- form")
  func internationalAddresses() {
    let lines = headerSection(
      message(to: "José Núñez <jose@bücher.example>", from: "Bücher & Co <news@bücher.example>"))
    #expect(
      value("To", in: lines) == "=?UTF-8?B?Sm9zw6kgTsO6w7Fleg==?= <jose@xn--bcher-kva.example>")
    #expect(
      value("From", in: lines) == "\"Bücher & Co\" <news@xn--bcher-kva.example>"
        || value("From", in: lines)?.hasSuffix("<news@xn--bcher-kva.example>") == true)
    #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
    #expect(!MIMEMessage.needsSMTPUTF8(message(to: "jose@bücher.example")))
    #expect(MIMEMessage.needsSMTPUTF8(message(to: "josé@example.com")))
  }

  @Test("display names with specials are quoted; plain ones are left as they are")
  func quotedNames() {
    #expect(
      MIMEMessage.addressHeader("Shop News <news@shop.example>") == "Shop News <news@shop.example>")
    #expect(
      MIMEMessage.addressHeader("\"Pérez, Ana\" <ana@example.com>").hasSuffix(" <ana@example.com>"))
    #expect(
      MIMEMessage.addressHeader("\"Smith, J. \\\"Jim\\\"\" <j@example.com>")
        == "\"Smith, J. \\\"Jim\\\"\" <j@example.com>")
    #expect(MIMEMessage.addressHeader("ana@example.com") == "ana@example.com")
  }

  @Test("Message-ID takes its domain from the parsed From address, not the last '@'")
  func messageIdDomain() {
    let lines = headerSection(message(from: "news@shop.example (reply to help@other.example)"))
    #expect(value("Message-ID", in: lines) == "<m1@shop.example>")
    let idn = headerSection(message(from: "news@bücher.example"))
    #expect(value("Message-ID", in: idn) == "<m1@xn--bcher-kva.example>")
  }

  @Test("Punycode matches RFC 3492's samples")
  func punycode() {
    #expect(Punycode.encode("bücher") == "bcher-kva")
    #expect(Punycode.encode("münchen") == "mnchen-3ya")
    #expect(Punycode.encode("例え") == "r8jz45g")
    #expect(Punycode.asciiDomain("Bücher.Example") == "xn--bcher-kva.example")
    #expect(Punycode.asciiDomain("shop.example") == "shop.example")
  }

  @Test("the webhook's JSON says when a local part needs SMTPUTF8, both encoders alike")
  func smtputf8InJSON() throws {
    let utf8 = message(to: "josé@example.com")
    let compact = ForwardedMessageJSON.compact(
      utf8, tracking: SenderTracking(opens: true, clicks: true, linkParameters: true), mime: "x")
    let encoded = try ForwardedMessageJSON.encoded(
      utf8, tracking: SenderTracking(opens: true, clicks: true, linkParameters: true), mime: "x")
    #expect(compact == encoded)
    #expect(String(decoding: compact, as: UTF8.self).contains(#""smtputf8":true"#))
    let ascii = ForwardedMessageJSON.compact(
      message(), tracking: SenderTracking(opens: true, clicks: true, linkParameters: true),
      mime: "x")
    #expect(!String(decoding: ascii, as: UTF8.self).contains("smtputf8"))
  }
}
