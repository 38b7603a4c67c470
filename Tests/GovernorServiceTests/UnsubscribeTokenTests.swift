import Foundation
import GovernorCore
import Testing

@testable import GovernorService

@Suite struct UnsubscribeTokenTests {
  let tokens: UnsubscribeTokens

  init() throws {
    tokens = try UnsubscribeTokens(secret: String(repeating: "s", count: 32))
  }

  @Test func aTokenCarriesItsCustomerAndScope() throws {
    for grant in [
      UnsubscribeGrant(customerId: "1001", scope: .category("marketing")),
      UnsubscribeGrant(customerId: "a:b c/ü", scope: .all),
    ] {
      let token = tokens.token(for: grant)
      #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
      #expect(tokens.grant(for: token) == grant)
    }
  }

  @Test func anotherSecretOrAnyEditIsRefused() throws {
    let token = tokens.token(
      for: UnsubscribeGrant(customerId: "1001", scope: .category("marketing")))
    let other = try UnsubscribeTokens(secret: String(repeating: "t", count: 32))
    #expect(other.grant(for: token) == nil)
    #expect(tokens.grant(for: token + "x") == nil)
    #expect(tokens.grant(for: String(token.dropLast())) == nil)
    #expect(tokens.grant(for: "") == nil)
    #expect(tokens.grant(for: "a.b.c") == nil)
    // Every single character changed, one at a time.
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for offset in 0..<token.count {
      var edited = Array(token)
      edited[offset] = alphabet.first { $0 != edited[offset] }!
      #expect(tokens.grant(for: String(edited)) == nil)
    }
  }

  @Test("a link does not show the customer id, and two links for one customer differ")
  func theTokenIsOpaque() throws {
    let grant = UnsubscribeGrant(customerId: "cust-918273", scope: .category("marketing"))
    let first = tokens.token(for: grant)
    let second = tokens.token(for: grant)
    #expect(first != second)
    for token in [first, second] {
      #expect(!token.contains("918273"))
      var base64 = token.replacingOccurrences(of: "-", with: "+")
        .replacingOccurrences(of: "_", with: "/")
      base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
      let decoded = try #require(Data(base64Encoded: base64))
      #expect(!String(decoding: decoded, as: UTF8.self).contains("918273"))
      #expect(!String(decoding: decoded, as: UTF8.self).contains("marketing"))
      #expect(tokens.grant(for: token) == grant)
    }
  }

  @Test("links made before tokens were sealed still work, and their edits are refused")
  func v1LinksStillWork() throws {
    let grant = UnsubscribeGrant(customerId: "1001", scope: .category("marketing"))
    let old = tokens.v1Token(for: grant)
    #expect(old == "djEAbWFya2V0aW5nADEwMDE.\(old.split(separator: ".")[1])")
    #expect(tokens.grant(for: old) == grant)
    let scopeAll = tokens.v1Token(for: UnsubscribeGrant(customerId: "1001", scope: .all))
    // The payload of one grant with the signature of another.
    let swapped = scopeAll.split(separator: ".")[0] + "." + old.split(separator: ".")[1]
    #expect(tokens.grant(for: String(swapped)) == nil)
    let other = try UnsubscribeTokens(secret: String(repeating: "t", count: 32))
    #expect(other.grant(for: old) == nil)
  }

  @Test func aShortSecretIsRefused() {
    #expect(throws: UnsubscribeTokens.SecretTooShort.self) {
      try UnsubscribeTokens(secret: "short")
    }
  }
}

extension UnsubscribeTokenTests {
  @Test("a rotated secret: the previous ones open their links, only the new one makes links")
  func rotation() throws {
    let grant = UnsubscribeGrant(customerId: "1001", scope: .category("marketing"))
    let old = tokens.token(for: grant)
    let oldV1 = tokens.v1Token(for: grant)
    let rotated = try UnsubscribeTokens(secret: String(repeating: "n", count: 32))
      .opening(previous: [String(repeating: "x", count: 32), String(repeating: "s", count: 32)])
    #expect(rotated.grant(for: old) == grant)
    #expect(rotated.grant(for: oldV1) == grant)
    let fresh = rotated.token(for: grant)
    #expect(tokens.grant(for: fresh) == nil, "made with the new secret, not an old one")
    #expect(rotated.grant(for: fresh) == grant)
    do {
      _ = try rotated.opening(previous: ["short"])
      Issue.record("a short previous secret was taken")
    } catch {
      #expect(error.description.contains("GOVERNOR_UNSUBSCRIBE_PREVIOUS_SECRETS"))
    }
  }
}
