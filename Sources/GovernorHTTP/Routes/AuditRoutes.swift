import Foundation
import GovernorCore
import GovernorService
import Hummingbird

extension GatewayRoutes {
  static let pageLimit = 500

  static func addAuditRoutes(_ router: RouteTable, _ gateway: Gateway) {
    let audit = router.needing([.auditRead])
    audit.get("/v1/decisions") { request, _ -> Response in
      let parameters = request.uri.queryParameters
      let query = try decisionQuery { parameters[Substring($0)].map(String.init) }
      let page = try await gateway.decisions(matching: query)
      let next =
        page.count == query.limit ? page.last.map { JSONText.quoted(String($0.sequence)) } : nil
      let rows = page.map(\.json).joined(separator: ",")
      return json(#"{"decisions":[\#(rows)],"next_cursor":\#(next ?? "null")}"#, status: .ok)
    }
    audit.get("/v1/decisions/{id}") { _, context -> Response in
      let id = try context.parameters.require("id")
      guard let entry = try await gateway.decision(id: id) else {
        throw Problem.notFound("no decision '\(id)'")
      }
      return json(entry.json, status: .ok)
    }
  }

  /// `outcome`, `rule`, `code`, `campaign`, `customer`, `since`, `until` (RFC 3339), `cursor` (the
  /// `next_cursor` of the page before) and `limit` (1…500, default 50).
  static func decisionQuery(_ parameter: (String) -> String?) throws(BadQuery) -> DecisionQuery {
    func text(_ name: String) -> String? {
      parameter(name).flatMap { $0.isEmpty ? nil : $0 }
    }
    func date(_ name: String) throws(BadQuery) -> Date? {
      guard let value = text(name) else { return nil }
      guard let date = try? Date(value, strategy: .iso8601) else {
        throw BadQuery(name, "must be an RFC 3339 time such as 2026-11-22T09:00:00Z")
      }
      return date
    }
    var query = DecisionQuery(
      rule: text("rule"), code: text("code"), campaignId: text("campaign"),
      customerId: text("customer"), request: text("request"),
      since: try date("since"), until: try date("until"))
    if let outcome = text("outcome") {
      guard let parsed = Outcome(rawValue: outcome) else {
        let known = Outcome.allCases.map(\.rawValue).joined(separator: ", ")
        throw BadQuery("outcome", "must be one of \(known)")
      }
      query.outcome = parsed
    }
    if let cursor = text("cursor") {
      guard let sequence = Int64(cursor), sequence > 0 else {
        throw BadQuery("cursor", "must be a next_cursor from an earlier page")
      }
      query.before = sequence
    }
    if let limit = text("limit") {
      guard let count = Int(limit), (1...pageLimit).contains(count) else {
        throw BadQuery("limit", "must be a whole number from 1 to \(pageLimit)")
      }
      query.limit = count
    }
    return query
  }
}
