import Foundation
import GovernorCore
import Testing

@Suite("governor policy check")
struct PolicyCheckCommandTests {
  /// The version covers the policy and the tracker lists it names.
  func version(_ path: String) throws -> String {
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    return try GovernorBinary.shippedPolicy(name).version
  }

  @Test("valid policies print their name and version and exit 0")
  func validPolicies() async throws {
    let run = try await GovernorBinary.run(
      "policy", "check", "policies/default.yaml", "policies/eu-strict.yaml",
      "policies/us-can-spam.yaml")
    #expect(run.status == 0)
    #expect(run.stderr.isEmpty)
    #expect(
      run.stdoutLines == [
        "policies/default.yaml: ok: policy 'default' version \(try version("policies/default.yaml"))",
        "policies/eu-strict.yaml: ok: policy 'eu-strict' version \(try version("policies/eu-strict.yaml"))",
        "policies/us-can-spam.yaml: ok: policy 'us-can-spam' version \(try version("policies/us-can-spam.yaml"))",
      ])
  }

  @Test("an invalid policy prints every problem as FILE:LINE:COLUMN and exits 1")
  func invalidPolicy() async throws {
    let run = try await GovernorBinary.run("policy", "check", "fixtures/policies/broken.yaml")
    #expect(run.status == 1)
    #expect(run.stdout.isEmpty)
    #expect(run.stderrLines.count == 8)
    #expect(
      run.stderrLines.first
        == "fixtures/policies/broken.yaml:2:20: default_time_zone 'Europe/Madird' is not an IANA "
        + "time zone such as Europe/Madrid; did you mean 'Europe/Madrid'?")
    #expect(run.stderrLines.last == "fixtures/policies/broken.yaml: 7 problems")
  }

  @Test("good and bad files together: the good one is confirmed, the run fails")
  func mixed() async throws {
    let run = try await GovernorBinary.run(
      "policy", "check", "policies/default.yaml", "fixtures/policies/broken.yaml")
    #expect(run.status == 1)
    #expect(run.stdoutLines.count == 1)
    #expect(run.stdoutLines.first?.hasPrefix("policies/default.yaml: ok:") == true)
  }

  @Test("a missing file is reported, not crashed on")
  func missingFile() async throws {
    let run = try await GovernorBinary.run("policy", "check", "policies/nope.yaml")
    #expect(run.status == 1)
    #expect(
      run.stderrLines == [
        "policies/nope.yaml:1:1: cannot read the file", "policies/nope.yaml: 1 problem",
      ])
  }
}
