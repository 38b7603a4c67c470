import ArgumentParser
import Foundation
import GovernorCore

/// Runs the engine over a campaign and a file of customers, with no store and no sending:
/// a way to see what a policy decides, and the demo `make run` shows.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Show the decision for each recipient of a campaign, from customers in a file."
  )

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
  }

  @Option(help: "The campaign file (YAML).")
  var campaign: String

  @Option(help: "The customers file (YAML or JSON list).")
  var customers: String

  @Option(help: "The policy file.")
  var policy: String = "policies/default.yaml"

  @Option(help: "Evaluate at this instant (ISO 8601) instead of the campaign's send time.")
  var at: String?

  @Option(help: "Output format: table or json.")
  var format: Format = .table

  @Option(help: "Send this HTML file as the message's HTML part, in place of the campaign's.")
  var html: String?

  @Option(help: "Send this text file as the message's text part, in place of the campaign's.")
  var text: String?

  func run() throws {
    let policy = try PolicyFiles.loadOrExit(self.policy)
    var campaign = try StateDocuments.campaign(from: try read(self.campaign))
    if let html { campaign.html = String(decoding: try read(html), as: UTF8.self) }
    if let text { campaign.text = String(decoding: try read(text), as: UTF8.self) }
    let customers = try StateDocuments.customers(from: try read(self.customers))
    let now = try at.map(parseInstant) ?? campaign.sendAt

    let decisions = try CampaignSimulation(engine: Engine(policy: policy))
      .run(campaign, customers: customers, at: now)
    switch format {
    case .json:
      let data = try StateDocuments.jsonEncoder().encode(decisions)
      print(String(decoding: data, as: UTF8.self))
    case .table:
      print("policy \(policy.name) \(policy.version)")
      print("campaign \(campaign.id) (\(campaign.category)) at \(now.formatted(.iso8601))")
      for decision in decisions {
        let reasons = decision.reasons.map { "\($0.rule): \($0.message)" }
        let label = decision.outcome == .deferred ? "until" : "next eligible"
        let when = decision.notBefore.map { " (\(label) \($0.formatted(.iso8601)))" } ?? ""
        print("\(decision.customerId)\t\(decision.outcome.rawValue)\(when)")
        for reason in reasons { print("\t- \(reason)") }
        for change in decision.modifications { print("\t~ \(change.summary)") }
      }
      print(Self.summary(of: decisions))
    }
  }

  /// What a marketer checks before sending: how many messages go, and what was changed in
  /// them, by kind.
  static func summary(of decisions: [Decision]) -> String {
    let outcomes = Outcome.allCases.compactMap { outcome in
      let count = decisions.filter { $0.outcome == outcome }.count
      return count == 0 ? nil : "\(count) \(outcome.rawValue)"
    }
    let counts = decisions.flatMap(\.modifications).reduce(into: [String: Int]()) {
      $0[$1.kind, default: 0] += 1
    }
    let changes =
      counts.isEmpty
      ? "no changes"
      : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        .joined(separator: ", ")
    return "summary: \(outcomes.joined(separator: ", ")); \(changes)"
  }

  private func read(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ValidationError("cannot read \(path)")
    }
    return data
  }

  private func parseInstant(_ text: String) throws -> Date {
    guard let date = try? Date(text, strategy: .iso8601) else {
      throw ValidationError("--at '\(text)' is not an ISO 8601 time such as 2026-11-27T09:00:00Z")
    }
    return date
  }
}
