import Foundation
import GovernorCore
import GovernorService
import Hummingbird

/// `GET /review` and `GET /review/decisions/{id}` (scope `audit:read`): the audit log for a
/// person in a browser. The key is sent as a bearer token or as the password of HTTP Basic
/// authentication, which a browser asks for itself.
extension GatewayRoutes {
  static let reviewPageSize = 100
  /// Rows read to find one page of altered sends, or to draw the chart.
  static let reviewScanLimit = 5_000
  /// How far back the page lists mail that went around the governor.
  static let reviewBypassWindow: TimeInterval = 7 * 86_400
  static let reviewBrakeWindow: TimeInterval = 30 * 86_400

  static func addReviewRoutes(_ router: RouteTable, _ gateway: Gateway) {
    let review = router.needing([.auditRead], challenge: .basicForBrowsers)
    review.get("/review") { request, _ -> Response in
      let parameters = request.uri.queryParameters
      let filters = Dictionary(
        ["outcome", "rule", "code", "campaign", "customer", "since", "until", "view", "cursor"]
          .compactMap { name in
            parameters[Substring(name)].map { (name, String($0)) }
          }, uniquingKeysWith: { first, _ in first })
      var query = try decisionQuery { filters[$0] }
      let view = filters["view"] ?? "all"
      query.limit = reviewScanLimit
      let chartRows = try await gateway.decisions(matching: query)
      let rows = chartRows.filter { entry in
        switch view {
        case "held": return entry.outcome == .blocked || entry.outcome == .deferred
        case "altered": return entry.outcome == .forwarded && ReviewPage.row(entry).changes > 0
        default: return true
        }
      }
      let page = Array(rows.prefix(reviewPageSize))
      var next: String?
      if rows.count > reviewPageSize, let last = page.last {
        var older = filters
        older["cursor"] = String(last.sequence)
        next =
          "/review?"
          + older.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
          }.joined(separator: "&")
      }
      let bypass = try await gateway.bypassEvents(since: Date() - reviewBypassWindow)
      return html(
        ReviewPage.list(
          rows: page.map(ReviewPage.row), filters: filters, view: view,
          chart: ReviewPage.chart(chartRows), next: next, bypass: bypass,
          brakes: gateway.reputation.isEnabled ? gateway.reputation.book : nil,
          brakeChanges: try await gateway.brakeChanges(since: gateway.clock() - reviewBrakeWindow)),
        status: .ok)
    }
    review.get("/review/decisions/{id}") { _, context -> Response in
      let id = try context.parameters.require("id")
      guard let entry = try await gateway.decision(id: id) else {
        return html(
          "<!doctype html><html lang=\"en\"><title>Not found</title><p>No decision "
            + "\(HTMLText.escape(id)).</p></html>", status: .notFound)
      }
      let policyText = try await gateway.policyText(version: entry.policyVersion)
      return html(ReviewPage.detail(entry, policyText: policyText), status: .ok)
    }
  }
}
