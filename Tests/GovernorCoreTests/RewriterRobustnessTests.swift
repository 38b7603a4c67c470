import Foundation
import GovernorCore
import Testing

/// What a hostile or broken campaign tool may send: huge attributes, huge bodies, constructs
/// that never end, bytes that are not UTF-8, and random damage to real mails.
@Suite("HTML rewriter: robustness")
struct RewriterRobustnessTests {
  let limiter: TrackingLimiter
  init() throws { limiter = try defaultLimiter() }

  /// Runs a long synchronous check on a thread of its own: on the cooperative pool (two
  /// threads on a two-core machine) it would stall every other suite's async tests for its
  /// whole run, and their timeouts with them.
  /// Expectations are checked back in the test, which Swift Testing knows; the thread only
  /// computes.
  static func offPool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { (done: CheckedContinuation<Value, Never>) in
      Thread { done.resume(returning: work()) }.start()
    }
  }

  func rewrite(_ bytes: [UInt8], consent: Bool = false) -> (
    output: [UInt8], modifications: [Modification], replacementBytes: Int
  ) {
    bytes.withUnsafeBufferPointer { limiter.rewriteHTML($0, consent: consent) }
  }

  static func corpus() throws -> [[UInt8]] {
    let folder = repositoryRoot.appendingPathComponent("fixtures/emails")
    return try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasSuffix(".html") }.sorted()
      .map { try [UInt8](Data(contentsOf: folder.appendingPathComponent($0))) }
  }

  @Test("a 1 MB attribute value is read whole: the pixel carrying it still goes")
  func megabyteAttribute() {
    let padding = String(repeating: "A", count: 1 << 20)
    let html = Array(
      (#"<p>x</p><img alt="\#(padding)" src="https://t.example/o.gif" width="1" height="1">"#
        + #"<a title='\#(padding)' href="https://shop.example/?utm_source=x">y</a>"#).utf8)
    let result = rewrite(html)
    #expect(
      String(decoding: result.output, as: UTF8.self)
        == #"<p>x</p><a title='\#(padding)' href="https://shop.example/">y</a>"#)
    #expect(
      result.modifications.map(\.kind) == ["open_pixel_removed", "tracking_parameters_removed"])
  }

  @Test("a 20 MB body is rewritten whole, every repeated tracker in it found")
  func twentyMegabytes() async throws {
    let mail = try [UInt8](repositoryFile("fixtures/emails/18-adsupported-newsletter.html"))
    let limiter = limiter
    let (expected, actual, copies) = await Self.offPool {
      let once = mail.withUnsafeBufferPointer { limiter.rewriteHTML($0, consent: false) }
      let copies = (20 << 20) / mail.count + 1
      let body = [UInt8]([[UInt8]](repeating: mail, count: copies).joined())
      let result = body.withUnsafeBufferPointer { limiter.rewriteHTML($0, consent: false) }
      let expected = [UInt8]([[UInt8]](repeating: once.output, count: copies).joined())
      return (
        (output: expected, changes: once.modifications.count * copies),
        (output: result.output, changes: result.modifications.count), copies
      )
    }
    #expect(copies * mail.count >= 20 << 20)
    #expect(actual.changes == expected.changes)
    #expect(actual.output == expected.output)
  }

  @Test(
    "constructs cut off by the end of the body are copied as they are",
    arguments: [
      #"<p>ok</p><img src="https://t.example/o.gif" width="1" height="1"#,
      "<p>ok</p><!-- <img src=https://t.example/o.gif width=1 height=1>",
      "<p>ok</p><!--[if mso]><img src=https://t.example/o.gif width=1 height=1>",
      "<p>ok</p><script>document.write('<img src=https://t.example/o.gif width=1 height=1>')",
      "<p>ok</p><a href='https://shop.example/?utm_source=x",
      "<p>ok</p><",
      "<p>ok</p></",
      "<p>ok</p><!",
      "<p>ok</p><!-",
      "<p>ok</p><?xml",
    ])
  func unterminated(html: String) {
    let result = rewrite(Array(html.utf8))
    #expect(result.output == Array(html.utf8))
    #expect(result.modifications.isEmpty)
  }

  @Test("an unterminated style element is CSS to the end, as a browser reads it")
  func unterminatedStyle() {
    let html = "<style>.a{background:url(https://www.google-analytics.com/c.gif)} .b{color:red}"
    let result = rewrite(Array(html.utf8))
    #expect(
      String(decoding: result.output, as: UTF8.self) == "<style>.a{background:none} .b{color:red}")
  }

  @Test(
    "1 MB of an unfinished comment fed a byte at a time costs linear time",
    .timeLimit(.minutes(1)))
  func unfinishedCommentInPieces() async {
    let limiter = limiter
    let count = await Self.offPool {
      var stream = limiter.htmlStream(consent: false)
      let piece: [UInt8] = [UInt8(ascii: "x")]
      var output = stream.feed(Array("<p>a</p><!--".utf8))
      for _ in 0..<(1 << 20) { output += stream.feed(piece) }
      output += stream.finish()
      return output.count
    }
    #expect(count == 12 + (1 << 20))
  }

  @Test("random damage to every corpus mail: no crash, same answer twice, output bounded")
  func mutations() async throws {
    let corpus = try Self.corpus()
    let limiter = limiter
    let failures = await Self.offPool { Self.mutate(corpus, limiter) }
    #expect(failures.isEmpty, "\(failures.prefix(5))")
  }

  /// The damaged inputs whose rewriting was not repeatable or grew too much.
  static func mutate(_ corpus: [[UInt8]], _ limiter: TrackingLimiter) -> [String] {
    var failures: [String] = []
    func rewrite(_ bytes: [UInt8]) -> (
      output: [UInt8], modifications: [Modification], replacementBytes: Int
    ) {
      bytes.withUnsafeBufferPointer { limiter.rewriteHTML($0, consent: false) }
    }
    var random = SeededRandom(seed: 2026)
    let fragments = [
      "<", ">", "\"", "'", "=", "<!--", "-->", "<![endif]-->", "<!--[if mso]>", "<style>",
      "</style>", "<script>", "&", "&amp;", "&#", "url(", ")", "<img src=", " width=1 height=1",
      "\u{0}", "\u{FF}",
    ].map { Array($0.utf8) }
    for mail in corpus {
      for _ in 0..<60 {
        var damaged = mail
        for _ in 0..<Int.random(in: 1...8, using: &random) {
          let at = Int.random(in: 0...damaged.count, using: &random)
          switch Int.random(in: 0..<4, using: &random) {
          case 0:
            damaged.insert(
              contentsOf: fragments.randomElement(using: &random) ?? [], at: at)
          case 1:
            let end = min(damaged.count, at + Int.random(in: 1...64, using: &random))
            damaged.removeSubrange(at..<end)
          case 2:
            damaged.insert(UInt8.random(in: 0...255, using: &random), at: at)
          default:
            damaged.removeSubrange(at...)
          }
        }
        let first = rewrite(damaged)
        let second = rewrite(damaged)
        if first.output != second.output {
          failures.append("not repeatable: \(String(decoding: damaged.prefix(80), as: UTF8.self))")
        }
        if first.output.count > damaged.count + first.replacementBytes {
          failures.append("grew: \(String(decoding: damaged.prefix(80), as: UTF8.self))")
        }
      }
    }
    return failures
  }
}
