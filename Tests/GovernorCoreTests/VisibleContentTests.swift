import Testing

@testable import GovernorCore

/// What a reader sees of a mail: the text and links the content rules read.
@Suite("What a reader sees")
struct VisibleContentTests {
  func words(_ html: String) -> [String] {
    VisibleWords(VisibleHTML(html).text).words
  }

  @Test("inline tags join a word; blocks and <br> separate; entities and &nbsp; are decoded")
  func textAcrossTags() {
    #expect(words("Spring<b>field</b>, IL") == ["springfield", "il"])
    #expect(words("123 Main<br>Street&nbsp;&amp;&#160;Co") == ["123", "main", "street", "co"])
    #expect(words("<td>A</td><td>B</td>") == ["a", "b"])
  }

  @Test("comments, Outlook-only blocks, the head, scripts and styles are not seen")
  func unseenMarkup() {
    let html = """
      <head><title>Title words</title><style>p{color:red}</style></head>
      <!--[if mso]><p>Outlook only</p><![endif]--><script>var hidden = 1</script><p>Seen</p>
      """
    #expect(words(html) == ["seen"])
    // A head left open does not hide the body.
    #expect(words("<head><meta charset=utf-8><p>Body text") == ["body", "text"])
  }

  @Test("hidden elements hide everything inside them, links included")
  func hiddenRegions() {
    let visible = VisibleHTML(
      """
      <div style="display:none"><p>gone <a href="https://x.example/u">Unsubscribe</a></p></div>
      <span style="font-size: 0px">tiny</span><div hidden>attr</div>
      <div style="width:0;overflow:hidden">zero</div>
      <p>kept <a href="https://x.example/help">Help</a></p>
      """)
    #expect(VisibleWords(visible.text).words == ["kept", "help"])
    #expect(visible.links.map(\.href) == ["https://x.example/help"])
    #expect(visible.links.map(\.text) == ["Help"])
  }

  @Test("a hidden cell ends where the next cell starts")
  func hiddenCell() {
    #expect(
      words("<table><tr><td style=\"display:none\">secret<td>shown</tr></table>") == ["shown"])
  }

  @Test("words ignore case and punctuation but keep accents; phone numbers match on digits")
  func wordsAndPhones() {
    let text = VisibleWords("Call (555) 010-0199 — Montréal, QC")
    #expect(text.words == ["call", "555", "010", "0199", "montréal", "qc"])
    #expect(text.contains(VisibleWords("MONTRÉAL QC")))
    #expect(text.containsPhone(VisibleWords("+1 555 010 0199")))
    #expect(!text.containsPhone(VisibleWords("+1 555 010 0198")))
  }
}
