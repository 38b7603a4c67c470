import Foundation
import GovernorCore
import Testing

/// Tracker lists are data a policy names under `tracking.lists`: read, checked and versioned
/// with it.
@Suite("Tracker lists")
struct TrackerListLoaderTests {
  static let policyText =
    basePolicy + """
      tracking:
        lists: [trackers/a.yaml, trackers/b.yaml]

      """

  static let listA = """
    description: test list
    source: written for the test
    licence: CC0-1.0
    tracker_domains: [pixel.example]
    redirectors:
      - name: Click
        hosts: [click.example]
        destination: {parameter: to}

    """

  static let listB = """
    source: written for the test
    licence: CC0-1.0
    parameters: {names: [ref_id], prefixes: [trk_]}

    """

  func load(_ files: [String: String], policy: String = policyText) -> Result<Policy, PolicyError> {
    PolicyLoader.load(Data(policy.utf8), file: "policies/test.yaml") { path in
      files[path].map { Data($0.utf8) }
    }
  }

  func diagnostics(_ files: [String: String]) -> [String] {
    guard case .failure(let error) = load(files) else { return [] }
    return error.diagnostics.map(\.description)
  }

  @Test("the lists a policy names are merged and used by its tracking stage")
  func merged() throws {
    let loaded = try load([
      "trackers/a.yaml": Self.listA, "trackers/b.yaml": Self.listB,
    ])
    .get()
    let limiter = TrackingLimiter(policy: loaded.tracking, lists: loaded.trackers)
    let result = limiter.rewrite(
      html:
        #"<a href="https://click.example/r?to=https%3A%2F%2Fshop.example%2F%3Fref_id%3D1%26trk_x%3D2%26page%3D3">x</a>"#
        + #"<img src="https://cdn.pixel.example/ad.png" width="300" height="250">"#,
      text: nil, consent: false)
    #expect(result.html == #"<a href="https://shop.example/?page=3">x</a>"#)
    #expect(
      result.modifications.map(\.kind) == [
        "click_redirect_unwrapped", "tracking_parameters_removed", "tracker_resource_removed",
      ])
  }

  @Test("a policy turns a family off by name; a name no list has is named, with a hint")
  func disabledFamilies() throws {
    let files = ["trackers/a.yaml": Self.listA, "trackers/b.yaml": Self.listB]
    func policy(_ families: String) -> String {
      basePolicy + """
        tracking:
          lists: [trackers/a.yaml, trackers/b.yaml]
          disabled_families: [\(families)]

        """
    }
    let loaded = try load(files, policy: policy("Click")).get()
    #expect(loaded.trackers.redirectors.isEmpty)
    let limiter = TrackingLimiter(policy: loaded.tracking, lists: loaded.trackers)
    let link = #"<a href="https://click.example/r?to=https%3A%2F%2Fshop.example%2F">x</a>"#
    #expect(limiter.rewrite(html: link, text: nil, consent: false).modifications.isEmpty)
    guard case .failure(let error) = load(files, policy: policy("Clik")) else {
      Issue.record("a misspelt family was accepted")
      return
    }
    let messages = error.diagnostics.map(\.description)
    #expect(messages.count == 1)
    #expect(
      messages.first?.hasSuffix(
        "tracking.disabled_families 'Clik' is no family of the policy's tracker lists; did you "
          + "mean 'Click'?") == true, "\(messages)")
  }

  @Test("the shipped lists' families can each be turned off")
  func shippedFamilies() throws {
    let policy = try shippedPolicy("default")
    for family in ["SendGrid", "Postmark", "Substack", "SparkPost", "Marketo", "Adobe Campaign"] {
      #expect(policy.trackers.families.contains(family), "\(family)")
    }
    let off = policy.trackers.disabling(["Marketo"])
    #expect(!off.redirectors.contains { $0.pattern.family == "Marketo" })
    #expect(off.redirectors.count < policy.trackers.redirectors.count)
  }

  @Test("editing a list makes a new policy version, as editing the policy does")
  func listEditChangesVersion() throws {
    let files = ["trackers/a.yaml": Self.listA, "trackers/b.yaml": Self.listB]
    let first = try load(files).get()
    var edited = files
    edited["trackers/b.yaml"] = Self.listB + "# reviewed 2026-11-23\n"
    let second = try load(edited).get()
    #expect(first.version != second.version)
    #expect(first.text.contains("# tracker list trackers/b.yaml"))
    #expect(second.version == PolicyLoader.version(of: Data(second.text.utf8)))
  }

  @Test("a list that cannot be read is reported at its entry in the policy")
  func missingList() {
    #expect(
      diagnostics(["trackers/a.yaml": Self.listA]) == [
        "policies/test.yaml:11:28: tracking.lists entry 'trackers/b.yaml' cannot be read "
          + "(looked for policies/trackers/b.yaml)"
      ])
  }

  @Test("problems inside a list are reported at the list's own FILE:LINE:COLUMN")
  func listProblems() {
    let broken = """
      description: broken
      source: somewhere
      tracker_domains: [pixel.example, "not a domain", localhost]
      open_pixels:
        - name: Everything
          description: matches every URL
      redirectors:
        - name: Click
          hosts: [click.example]
          path: r
          destination: {encoding: rot13}
      parameters: {names: ["has space"], prefix: [x_]}

      """
    #expect(
      diagnostics(["trackers/a.yaml": broken, "trackers/b.yaml": Self.listB])
        == [
          "policies/trackers/a.yaml:1:1: the tracker list needs 'licence': where its entries "
            + "come from and under what terms",
          "policies/trackers/a.yaml:3:34: tracker_domains entry 'not a domain' is not a domain "
            + "name such as tracker.example (no scheme, path or *; subdomains match on their own)",
          "policies/trackers/a.yaml:3:50: tracker_domains entry 'localhost' is not a domain "
            + "name such as tracker.example (no scheme, path or *; subdomains match on their own)",
          "policies/trackers/a.yaml:5:5: open_pixels[Everything] would match every URL; give "
            + "hosts, a path, a path_shape or a parameter",
          "policies/trackers/a.yaml:10:11: redirectors[Click].path 'r' must start with /",
          "policies/trackers/a.yaml:11:18: redirectors[Click].destination needs 'parameter' or "
            + "'path_segment': where the URL is",
          "policies/trackers/a.yaml:12:22: parameters.names 'has space' is not a URL parameter "
            + "name",
          "policies/trackers/a.yaml:12:36: unknown key 'prefix' in parameters; did you mean "
            + "'prefixes'?",
        ])
  }
}
