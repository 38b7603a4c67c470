import Foundation
import GovernorCore
import Testing

/// The realistic emails in `fixtures/emails/`, each with what was planted in it
/// (`manifest.json`, written with the mails, not derived from the rewriter) and the reviewed
/// output (`expected/`). After a deliberate change to the rewriter or the lists, rewrite the
/// expected files with `GOVERNOR_UPDATE_GOLDENS=1 make test` and review the diff.
@Suite("Tracking corpus: realistic emails")
struct EmailCorpusTests {
  struct Planted: Decodable {
    var provider: String
    /// Open pixels: gone without consent, kept with it.
    var pixels: [String]
    /// Third-party trackers: gone with or without consent.
    var thirdParty: [String]
    /// Wrapped links and tracking parameters: gone without consent.
    var gone: [String]
    /// Real images and links: always there.
    var kept: [String]
    /// Links as they are once unwrapped and cleaned: there without consent.
    var cleaned: [String]
    /// How many real `<img>` the mail has (none may be removed).
    var images: Int
    var changes: [String: Int]
    var changesWithConsent: [String: Int]
    /// Whom the mail is rewritten for: their identifiers in links must go (or be reported).
    var recipient: Recipient

    struct Recipient: Decodable {
      var address: String
      var customerId: String
    }
  }

  static let manifest: [String: Planted] = {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    guard let data = try? repositoryFile("fixtures/emails/manifest.json") else { return [:] }
    return (try? decoder.decode([String: Planted].self, from: data)) ?? [:]
  }()
  static let names = manifest.keys.sorted()

  let limiter: TrackingLimiter
  init() throws { limiter = try defaultLimiter() }

  struct Rewritten {
    var html: [UInt8]
    var text: String?
    var modifications: [Modification]

    /// Both parts, with `&` however written as `&`, to look for URLs in.
    var searchable: String {
      let html = String(decoding: self.html, as: UTF8.self)
      return [html, text ?? ""].joined(separator: "\n")
        .replacingOccurrences(of: "&amp;", with: "&")
        .replacingOccurrences(of: "&#38;", with: "&")
        .replacingOccurrences(of: "&#x26;", with: "&")
    }

    var changeCounts: [String: Int] {
      modifications.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }
  }

  func rewrite(_ name: String, consent: Bool) throws -> Rewritten {
    let html = try [UInt8](repositoryFile("fixtures/emails/\(name).html"))
    let planted = try #require(Self.manifest[name])
    let recipient = RecipientIdentity(
      address: planted.recipient.address, customerId: planted.recipient.customerId)
    let rewritten = html.withUnsafeBufferPointer {
      limiter.rewriteHTML($0, consent: consent, recipient: recipient)
    }
    var result = Rewritten(html: rewritten.output, modifications: rewritten.modifications)
    if let text = try? repositoryFile("fixtures/emails/\(name).txt") {
      let original = String(decoding: text, as: UTF8.self)
      let changed = limiter.rewrite(
        html: nil, text: original, consent: consent, recipient: recipient)
      result.text = changed.text ?? original
      result.modifications += changed.modifications
    }
    return result
  }

  @Test("the corpus holds at least 30 mails from at least 15 senders' tools")
  func corpusSize() {
    #expect(Self.names.count >= 30)
    #expect(Set(Self.manifest.values.map(\.provider)).count >= 15)
  }

  @Test(
    "without consent: every planted tracker goes, every real image and link stays", arguments: names
  )
  func withoutConsent(name: String) throws {
    let planted = try #require(Self.manifest[name])
    let result = try rewrite(name, consent: false)
    let output = result.searchable
    for tracker in planted.pixels + planted.thirdParty + planted.gone {
      #expect(!output.contains(tracker), "\(name): \(tracker) is still there")
    }
    for wanted in planted.kept + planted.cleaned {
      #expect(output.contains(wanted), "\(name): \(wanted) was lost")
    }
    #expect(Self.imageCount(result.html) == planted.images, "\(name): real images removed")
    #expect(result.changeCounts == planted.changes, "\(name)")
  }

  @Test(
    "with consent: the sender's own pixels and links stay; third-party trackers go",
    arguments: names)
  func withConsent(name: String) throws {
    let planted = try #require(Self.manifest[name])
    let result = try rewrite(name, consent: true)
    let output = result.searchable
    for tracker in planted.thirdParty {
      #expect(!output.contains(tracker), "\(name): \(tracker) is still there")
    }
    for wanted in planted.pixels + planted.kept {
      #expect(output.contains(wanted), "\(name): \(wanted) was lost")
    }
    #expect(result.changeCounts == planted.changesWithConsent, "\(name)")
  }

  @Test("the output is the reviewed expected output, byte for byte", arguments: names)
  func expectedOutput(name: String) throws {
    let result = try rewrite(name, consent: false)
    let changes = result.modifications.map { change in
      [change.part ?? "", change.kind, change.url ?? "", change.replacement ?? ""]
        .joined(separator: "\t")
    }
    var files = [
      ("\(name).html", Data(result.html)),
      ("\(name).changes.tsv", Data((changes.joined(separator: "\n") + "\n").utf8)),
    ]
    if let text = result.text { files.append(("\(name).txt", Data(text.utf8))) }
    for (file, actual) in files {
      let path = "fixtures/emails/expected/\(file)"
      if ProcessInfo.processInfo.environment["GOVERNOR_UPDATE_GOLDENS"] == "1" {
        try actual.write(to: repositoryRoot.appendingPathComponent(path))
        continue
      }
      let expected = try repositoryFile(path)
      #expect(actual == expected, "\(path) differs: GOVERNOR_UPDATE_GOLDENS=1 rewrites it")
    }
  }

  /// `<img` start tags, in any case.
  static func imageCount(_ html: [UInt8]) -> Int {
    let lowered = String(decoding: html, as: UTF8.self).lowercased()
    return lowered.components(separatedBy: "<img").count - 1
  }
}

extension EmailCorpusTests {
  /// What a label class counts: the change kinds that find it.
  static let classes: [(name: String, kinds: [String])] = [
    ("trackers", ["open_pixel_removed", "tracker_resource_removed"]),
    ("unwrappable redirects", ["click_redirect_unwrapped"]),
    ("opaque redirects", ["click_redirect_unrecoverable"]),
    ("tracking parameters", ["tracking_parameters_removed"]),
    (
      "recipient identifiers",
      ["recipient_identifier_removed", "recipient_identifier_outside_query"]
    ),
  ]

  @Test("recall per label class and false removals over the whole corpus, reported")
  func recallPerClass() throws {
    var planted: [String: Int] = [:]
    var found: [String: Int] = [:]
    var falseRemovals: [String] = []
    for name in Self.names {
      let labels = try #require(Self.manifest[name])
      let result = try rewrite(name, consent: false)
      let counts = result.changeCounts
      let output = result.searchable
      for (label, kinds) in Self.classes {
        let wanted = kinds.reduce(0) { $0 + (labels.changes[$1] ?? 0) }
        planted[label, default: 0] += wanted
        // Found, up to what was planted: an extra change is a false one, counted below.
        found[label, default: 0] += min(wanted, kinds.reduce(0) { $0 + (counts[$1] ?? 0) })
        let extra = kinds.reduce(0) { $0 + (counts[$1] ?? 0) } - wanted
        if extra > 0 { falseRemovals.append("\(name): \(extra) more \(label) than planted") }
      }
      for wanted in labels.kept + labels.cleaned where !output.contains(wanted) {
        falseRemovals.append("\(name): lost \(wanted)")
      }
      let images = Self.imageCount(result.html)
      if images != labels.images {
        falseRemovals.append("\(name): \(labels.images - images) real images removed")
      }
    }
    var report = "tracking corpus, \(Self.names.count) mails, without consent:\n"
    for (label, _) in Self.classes {
      let wanted = planted[label] ?? 0
      let hit = found[label] ?? 0
      let recall = wanted == 0 ? 100 : Double(hit) / Double(wanted) * 100
      report += "  \(label): \(hit) of \(wanted) found (\(String(format: "%.1f", recall))%)\n"
      #expect(hit == wanted, "\(label): \(hit) of \(wanted)")
    }
    report += "  false removals: \(falseRemovals.count)\n"
    print(report, terminator: "")
    #expect(falseRemovals.isEmpty, "\(falseRemovals)")
    // Each family the issue named has a mail of its own on a branded host.
    for provider in ["Postmark", "Substack", "SparkPost", "Salesforce Marketing Cloud", "Marketo"] {
      #expect(Self.manifest.values.contains { $0.provider == provider }, "\(provider)")
    }
  }
}
