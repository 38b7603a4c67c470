import Foundation
import GovernorCore
import Testing

@Suite("Campaign files and recipient lists")
struct CampaignFileTests {
  func load(_ yaml: String, files: [String: String] = [:]) -> Result<
    CampaignFile, CampaignFileError
  > {
    CampaignFileLoader.load(Data(yaml.utf8), file: "c.yaml") { files[$0].map { Data($0.utf8) } }
  }

  func problems(_ yaml: String, files: [String: String] = [:]) -> [String] {
    guard case .failure(let error) = load(yaml, files: files) else { return [] }
    return error.diagnostics.map(\.description)
  }

  @Test("the shipped example reads its parts and names its CSV beside it")
  func shippedExample() throws {
    let path = repositoryRoot.appendingPathComponent("fixtures/campaigns/autumn-sale.yaml").path
    let file = try CampaignFileLoader.load(file: path).get()
    #expect(file.campaign.id == "autumn-sale")
    #expect(file.sendAtGiven)
    #expect(file.campaign.html?.contains("<html") == true)
    #expect(file.campaign.text?.isEmpty == false)
    #expect(
      file.recipients
        == .file(
          repositoryRoot.appendingPathComponent("fixtures/campaigns/autumn-sale.csv").path))
  }

  @Test("inline parts and listed recipients; send_at may be left out")
  func inline() throws {
    let file = try load(
      """
      id: c1
      category: marketing
      message: {from: a@example.com, subject: Hi, html: "<p>x</p>"}
      recipients: ["1", "2"]
      """
    ).get()
    #expect(!file.sendAtGiven)
    #expect(file.recipients == .listed([Recipient(customerId: "1"), Recipient(customerId: "2")]))
  }

  @Test("every problem is reported at its line and column")
  func problemsAreLocated() {
    #expect(
      problems(
        """
        id: c1
        category: marketing
        send_at: next tuesday
        mesage: {}
        message:
          from: a@example.com
          html: "<p>x</p>"
          html_file: x.html
          text_file: missing.txt
        recipients_file: r.csv
        recipients: ["1"]
        """)
        == [
          "c.yaml:3:10: send_at 'next tuesday' is not an RFC 3339 time such as 2026-11-27T09:00:00Z",
          "c.yaml:4:1: unknown key 'mesage' in the campaign; did you mean 'message'?",
          "c.yaml:6:3: message needs 'subject'",
          "c.yaml:7:9: give message.html or message.html_file, not both",
          "c.yaml:9:14: message.text_file 'missing.txt' cannot be read",
          "c.yaml:11:13: give recipients or recipients_file, not both",
        ])
  }

  func read(_ csv: String, pieceSize: Int) -> (recipients: [Recipient], problems: [String]) {
    var parser = RecipientCSV(file: "r.csv")
    var recipients: [Recipient] = []
    let bytes = Array(csv.utf8)
    var start = 0
    while start < bytes.count {
      let end = min(bytes.count, start + pieceSize)
      recipients += parser.feed(bytes[start..<end])
      start = end
    }
    recipients += parser.finish()
    return (recipients, parser.problems.map(\.description))
  }

  @Test("CSV: quotes, CRLF, a BOM, extra columns and blank lines; any piece size reads the same")
  func csv() {
    let csv =
      "\u{FEFF}segment,Customer_ID,email\r\n"
      + "a,1001,ana@example.com\r\n"
      + "\"b, with comma\",\"1002\",\"\"\"bea\"\"@example.com\"\r\n"
      + "\n"
      + "c,1003,\n"
      + "\"multi\nline\",1004,dee@example.com"
    let expected = [
      Recipient(customerId: "1001", email: "ana@example.com"),
      Recipient(customerId: "1002", email: "\"bea\"@example.com"),
      Recipient(customerId: "1003"),
      Recipient(customerId: "1004", email: "dee@example.com"),
    ]
    for size in [1, 2, 7, 1 << 20] {
      let result = read(csv, pieceSize: size)
      #expect(result.recipients == expected, "piece size \(size)")
      #expect(result.problems.isEmpty)
    }
  }

  @Test("CSV problems name the file and line; the rows around them still count")
  func csvProblems() {
    #expect(
      read("id,email\n1,a@example.com\n", pieceSize: 64).problems == [
        "r.csv:1:1: the header row must name a customer_id column (it names id, email)"
      ])
    let result = read("customer_id\n1\n\n \n\"2\nx\n", pieceSize: 3)
    #expect(result.recipients == [Recipient(customerId: "1")])
    #expect(
      result.problems == [
        "r.csv:4:1: customer_id is empty",
        "r.csv:5:1: a quoted field is not closed before the end of the file",
      ])
    #expect(
      read("", pieceSize: 1).problems.first?.hasSuffix(
        "the file is empty; it needs a header row naming customer_id") == true)
  }
}
