import Foundation
import GovernorCore

// The tracking rewriter's throughput on one core, in MB/s of input HTML: over the corpus in
// fixtures/emails, over a 20 MB body, and over inputs built to be slow (a 1 MB attribute, a
// 20 MB unfinished comment, 20 MB of tracked links) so a loss of linear time shows up as a
// collapse in MB/s between the 1 MB and the 20 MB case. Every input is rewritten for a
// recipient, as the gateway does (the corpus's: mail 35 hides their identifiers), except the
// one row that shows what looking for them costs.
func rewriterBench(policyPath: String, filter: String?) {
  let policy: Policy
  switch PolicyLoader.load(file: policyPath) {
  case .success(let loaded): policy = loaded
  case .failure(let error):
    print(error)
    exit(1)
  }
  let limiter = TrackingLimiter(policy: policy)
  let folder = "fixtures/emails"
  let mails =
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
    .filter { $0.hasSuffix(".html") }.sorted()
    .compactMap { FileManager.default.contents(atPath: "\(folder)/\($0)").map { [UInt8]($0) } }
  guard !mails.isEmpty else {
    print("no mails under \(folder): run from the repository's root")
    exit(1)
  }
  let corpus = [UInt8](mails.joined())

  func repeated(_ unit: String, toBytes size: Int) -> [UInt8] {
    let bytes = Array(unit.utf8)
    return [UInt8]([[UInt8]](repeating: bytes, count: size / bytes.count + 1).joined())
  }
  let link =
    #"<p><a href="https://shop.example/p/1?utm_source=n&amp;utm_medium=email&amp;id=7">Boots</a></p>"#
  func megabyteAttribute() -> [UInt8] {
    Array(
      (#"<img alt=""# + String(repeating: "a", count: 1 << 20)
        + #"" src="https://t.example/o.gif" width="1" height="1">"#).utf8)
  }

  let recipient = RecipientIdentity(address: "Mara.Lind@example.net", customerId: "cu-58213")

  struct Input {
    let name: String
    var consent = false
    var forRecipient = true
    /// Built only when the scenario runs: the 20 MB inputs take a while to make.
    let bytes: () -> [UInt8]

    init(
      name: String, consent: Bool = false, forRecipient: Bool = true,
      bytes: @escaping @autoclosure () -> [UInt8]
    ) {
      self.name = name
      self.consent = consent
      self.forRecipient = forRecipient
      self.bytes = bytes
    }
  }
  let inputs = [
    Input(
      name: "corpus (\(mails.count) mails, \(corpus.count / 1024) KB), no consent", bytes: corpus),
    Input(name: "corpus, with consent", consent: true, bytes: corpus),
    Input(name: "corpus, no consent, no recipient", forRecipient: false, bytes: corpus),
    Input(
      name: "corpus repeated to 20 MB, no consent",
      bytes: repeated(String(decoding: corpus, as: UTF8.self), toBytes: 20 << 20)),
    Input(name: "tracked links, 1 MB", bytes: repeated(link, toBytes: 1 << 20)),
    Input(name: "tracked links, 20 MB", bytes: repeated(link, toBytes: 20 << 20)),
    Input(name: "1 MB attribute", bytes: megabyteAttribute()),
    Input(
      name: "unfinished comment, 1 MB", bytes: Array("<!--".utf8) + repeated("x", toBytes: 1 << 20)),
    Input(
      name: "unfinished comment, 20 MB",
      bytes: Array("<!--".utf8) + repeated("x", toBytes: 20 << 20)),
  ]

  let clock = ContinuousClock()
  for input in inputs where filter.map({ input.name.contains($0) }) ?? true {
    let bytes = input.bytes()
    var rates: [Double] = []
    var changes = 0
    // About two seconds in rounds of at least 4 MB (~20 ms): this shared VM runs ~15% slower
    // for seconds at a time, so the best round shows what the code does and the median what
    // a busy host gets. A round of one 112 KB pass (0.5 ms) made the best an outlier.
    let passes = max(1, (4 << 20) / bytes.count)
    let rounds = max(5, (256 << 20) / (bytes.count * passes))
    for _ in 0..<rounds {
      let elapsed = clock.measure {
        for _ in 0..<passes {
          let result = bytes.withUnsafeBufferPointer {
            limiter.rewriteHTML(
              $0, consent: input.consent, recipient: input.forRecipient ? recipient : nil)
          }
          changes = result.modifications.count
        }
      }
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      rates.append(Double(bytes.count * passes) / seconds / 1e6)
    }
    rates.sort()
    let best = rates[rates.count - 1]
    let median = rates[rates.count / 2]
    print(
      "rewriter, \(input.name): \(Int(best)) MB/s best, \(Int(median)) median "
        + "[\(changes) changes]")
  }
}
