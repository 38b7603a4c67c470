import Foundation
import GovernorCore
import Testing

/// The names the ESP doors give categories (`asm:1234`, a SendGrid category, a Mailgun tag).
@Suite("Category aliases")
struct CategoryAliasTests {
  static let policy = """
    name: aliases
    consent:
      purposes: {marketing: {}}
    categories:
      transactional: {consent: [], aliases: [Receipts]}
      marketing: {consent: [marketing], aliases: ["asm:4242", Promotions]}

    """

  @Test("a label is a category's name or one of its aliases, and nothing else")
  func resolves() throws {
    let policy = try PolicyLoader.load(Data(Self.policy.utf8), file: "test.yaml").get()
    #expect(policy.categoryName(for: "marketing") == "marketing")
    #expect(policy.categoryName(for: "asm:4242") == "marketing")
    #expect(policy.categoryName(for: "Promotions") == "marketing")
    #expect(policy.categoryName(for: "Receipts") == "transactional")
    #expect(policy.categoryName(for: "promotions") == nil, "labels are exact")
    #expect(policy.categoryName(for: "asm:1") == nil)
  }

  @Test("an alias that names a category or another alias is refused where it stands")
  func unique() {
    let found = diagnostics(
      """
      name: aliases
      consent:
        purposes: {marketing: {}}
      categories:
        transactional: {consent: [], aliases: [marketing, Promotions]}
        marketing: {consent: [marketing], aliases: [Promotions, 42]}

      """)
    #expect(
      found == [
        "test.yaml:5:42: categories.transactional.aliases names 'marketing', which is already "
          + "the category marketing: a door's label must name one category",
        "test.yaml:6:47: categories.marketing.aliases names 'Promotions', which is already an "
          + "alias of transactional: a door's label must name one category",
      ])
  }
}
