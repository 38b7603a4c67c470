import Crypto
import Foundation
import Yams

/// Turns a policy file into a validated `Policy`, or into every problem found in it, each
/// located as `FILE:LINE:COLUMN`.
///
/// Pure: it is handed the file's bytes, so the CLI, the gateway's reload and the tests all
/// load policies the same way.
public enum PolicyLoader {
  static let topLevelKeys = [
    "name", "description", "default_time_zone", "week_starts", "categories", "consent",
    "suppression", "caps", "frequency_preference", "quiet_hours", "tracking", "headers",
    "reputation", "sender", "content",
  ]

  /// Reads a tracker list named in the policy, given its `tracking.lists` entry (a path under
  /// the policy's folder, checked to have no `..` and no leading `/`); nil when it cannot be
  /// read.
  public typealias ListReader = (String) -> Data?

  public static func load(
    _ source: Data, file: String, lists: ListReader = { _ in nil }
  ) -> Result<Policy, PolicyError> {
    let reader = PolicyReader(file: file)
    let policy = read(source, file: file, lists: lists, reader: reader)
    if let policy, reader.diagnostics.isEmpty { return .success(policy) }
    // The policy's own problems first, then each list's, each in reading order.
    let ordered = reader.diagnostics.enumerated().sorted {
      ($0.element.file != file ? 1 : 0, $0.element.line, $0.element.column, $0.offset) < (
        $1.element.file != file ? 1 : 0, $1.element.line, $1.element.column, $1.offset
      )
    }
    return .failure(PolicyError(diagnostics: ordered.map(\.element)))
  }

  /// `sha256:` and the hex digest of the bytes: the policy version every decision records.
  public static func version(of source: Data) -> String {
    "sha256:" + Hex.encode(SHA256.hash(data: source))
  }

  /// The YAML document in `source`, or nil after reporting why it cannot be read.
  static func compose(_ source: Data, reader: PolicyReader, ifEmpty: String) -> Node? {
    guard let text = String(data: source, encoding: .utf8) else {
      reader.report("the file is not UTF-8 text", line: 1, column: 1)
      return nil
    }
    do {
      guard let composed = try Yams.compose(yaml: text) else {
        reader.report(ifEmpty, at: nil)
        return nil
      }
      return composed
    } catch YamlError.duplicatedKeysInMapping(let duplicates, _) {
      reportDuplicates(duplicates, in: text, reader: reader)
    } catch let error as YamlError {
      reportSyntax(error, in: text, reader: reader)
    } catch {
      reader.report("the file could not be read as YAML: \(error)", at: nil)
    }
    return nil
  }

  private static func read(_ source: Data, file: String, lists: ListReader, reader: PolicyReader)
    -> Policy?
  {
    guard
      let root = compose(
        source, reader: reader,
        ifEmpty: "the policy is empty; it needs at least a name and categories")
    else { return nil }
    guard let fields = reader.fields(root, of: "the policy", allowed: topLevelKeys) else {
      return nil
    }

    let name = required(fields, "name", reader: reader).flatMap { reader.string($0, "name") }
    let summary = fields["description"].flatMap { reader.string($0, "description") }
    let defaultZone =
      fields["default_time_zone"].map { reader.zone($0, "default_time_zone") } ?? Zone.utc
    let weekStart = fields["week_starts"].map { readWeekStart($0, reader: reader) } ?? 1

    let consentFields = fields["consent"].flatMap {
      reader.fields($0, of: "consent", allowed: ["purposes", "kinds", "covers_new_address"])
    }
    let rollouts = RolloutCollector()
    let purposes = readPurposes(consentFields?["purposes"], reader: reader, rollouts: rollouts)
    let categories = required(fields, "categories", reader: reader).map {
      readCategories($0, purposes: purposes.map(\.name), reader: reader)
    }
    let known = categories?.map(\.name) ?? []
    let context = SchemaContext(
      reader: reader, categories: categories ?? [], purposes: purposes, rollouts: rollouts)

    let consent = ConsentPolicy(
      purposes: purposes, kinds: readConsentKinds(consentFields?["kinds"], reader: reader),
      coversNewAddress: consentFields?["covers_new_address"].flatMap {
        reader.bool($0, "consent.covers_new_address")
      } ?? false)
    let suppression = readSuppression(fields["suppression"], context: context)
    let caps = fields["caps"].map { readCaps($0, context: context) } ?? []
    let preference = fields["frequency_preference"].flatMap {
      readFrequencyPreference($0, context: context)
    }
    let quietHours = fields["quiet_hours"].flatMap { readQuietHours($0, context: context) }
    let (tracking, listNodes, familyNodes) = readTracking(fields["tracking"], context: context)
    let (allTrackers, bundle) = readTrackerLists(
      tracking, named: listNodes, source: source, policyFile: file, lists: lists, reader: reader)
    let trackers = disablingFamilies(
      tracking, nodes: familyNodes, in: allTrackers, reader: reader)
    let headers = readHeaders(fields["headers"], context: context)
    let reputation = fields["reputation"].map { readReputation($0, context: context) }
    let sender = readSender(fields["sender"], reader: reader)
    let contentRules = readContent(fields["content"], sender: sender, context: context)

    guard let name, let defaultZone, let weekStart, !known.isEmpty, let categories,
      reputation != .some(nil)
    else {
      return nil
    }
    return Policy(
      name: name, summary: summary, version: version(of: bundle),
      text: String(decoding: bundle, as: UTF8.self), defaultZone: defaultZone,
      weekStart: weekStart, categories: categories, consent: consent, suppression: suppression,
      caps: caps, frequencyPreference: preference, quietHours: quietHours, tracking: tracking,
      trackers: trackers, headers: headers, reputation: reputation ?? nil,
      content: ContentPolicy(sender: sender, rules: contentRules), rollouts: rollouts.rollouts)
  }

  static func required(_ fields: Fields, _ key: String, reader: PolicyReader) -> Node? {
    guard let node = fields[key] else {
      reader.report("the policy needs '\(key)'", at: fields.node)
      return nil
    }
    return node
  }

  private static func reportSyntax(_ error: YamlError, in text: String, reader: PolicyReader) {
    switch error {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let detail = context.map { "\(problem) \($0.text)" } ?? problem
      let (line, column) = endOfText(text, ifPast: (mark.line, mark.column))
      reader.report("YAML syntax: \(detail)", line: line, column: column)
    default:
      reader.report("YAML syntax: \(error)", line: 1, column: 1)
    }
  }

  /// libyaml puts an error at the end of input on the line after the last one when the file
  /// does not end in a line break; an editor has no such line, so the error is put after the
  /// last character instead. Lines end as libyaml ends them: CR LF, CR, LF, NEL, LS or PS.
  static func endOfText(_ text: String, ifPast position: (line: Int, column: Int))
    -> (line: Int, column: Int)
  {
    var lines = 1
    var lastLineLength = 0
    var previous: Unicode.Scalar?
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n" where previous == "\r": break
      case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
        lines += 1
        lastLineLength = 0
      default: lastLineLength += 1
      }
      previous = scalar
    }
    guard position.line > lines else { return position }
    return (lines, lastLineLength + 1)
  }

  /// Yams refuses repeated keys before we see the tree, and says only which; this finds where
  /// each is repeated (the second line that starts with `key:`) so the author can go there.
  private static func reportDuplicates(
    _ keys: [String], in text: String, reader: PolicyReader
  ) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    // Yams lists them from a dictionary, in an order that changes from one load to the next;
    // diagnostics on the same line must not (found by policy-fuzz).
    for key in keys.sorted() {
      let places = lines.indices.filter {
        lines[$0].drop(while: \.isWhitespace).hasPrefix("\(key):")
      }
      let line = places.dropFirst().first ?? places.first ?? 0
      let column = lines.isEmpty ? 0 : lines[line].prefix(while: \.isWhitespace).count
      reader.report(
        "'\(key)' is given twice in the same mapping; keep one", line: line + 1, column: column + 1)
    }
  }

  private static func readWeekStart(_ node: Node, reader: PolicyReader) -> Int? {
    guard let text = reader.string(node, "week_starts") else { return nil }
    switch text {
    case "monday": return 1
    case "sunday": return 7
    default:
      reader.report("week_starts must be monday or sunday, not '\(text)'", at: node)
      return nil
    }
  }
}

/// What the later sections of a policy are checked against.
struct SchemaContext {
  let reader: PolicyReader
  let categories: [Category]
  let purposes: [ConsentPolicy.Purpose]
  let rollouts: RolloutCollector

  var categoryNames: [String] { categories.map(\.name) }

  /// A list of category names, each checked to exist; `all` stands for every category.
  func categoryList(_ node: Node, _ field: String) -> [String]? {
    if let scalar = node.scalar, scalar.string == "all" { return categoryNames }
    guard let entries = reader.strings(node, field) else { return nil }
    var result: [String] = []
    for (name, item) in entries {
      guard categoryNames.contains(name) else {
        reader.report(
          "\(field) names the category '\(name)', which the policy does not define"
            + Spelling.hint(for: name, among: categoryNames), at: item)
        continue
      }
      result.append(name)
    }
    return result
  }
}

extension PolicyLoader {
  /// The policy file at `path` and the tracker lists it names, read from disk: the only I/O
  /// around the loader, shared by the command line, the gateway and the tests.
  public static func load(file path: String) -> Result<Policy, PolicyError> {
    guard let data = FileManager.default.contents(atPath: path) else {
      return .failure(
        PolicyError(diagnostics: [
          Diagnostic(file: path, line: 1, column: 1, message: "cannot read the file")
        ]))
    }
    return load(data, file: path) { entry in
      FileManager.default.contents(atPath: listPath(entry, besides: path))
    }
  }
}
