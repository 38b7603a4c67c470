import Foundation
import GovernorCore
import GovernorGateway
import Testing

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
    let scopeAll = tokens.token(for: UnsubscribeGrant(customerId: "1001", scope: .all))
    // The payload of one grant with the signature of another.
    let swapped = scopeAll.split(separator: ".")[0] + "." + token.split(separator: ".")[1]
    #expect(tokens.grant(for: String(swapped)) == nil)
    #expect(tokens.grant(for: token + "x") == nil)
    #expect(tokens.grant(for: "") == nil)
    #expect(tokens.grant(for: "a.b.c") == nil)
  }

  @Test func aShortSecretIsRefused() {
    #expect(throws: UnsubscribeTokens.SecretTooShort.self) {
      try UnsubscribeTokens(secret: "short")
    }
  }
}
