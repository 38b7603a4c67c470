import Foundation
import GovernorCore
import GovernorStore
import Hummingbird

/// `GET /review` and `GET /review/decisions/{id}` (scope `audit:read`): the audit log for a
/// person in a browser. The key is sent as a bearer token or as the password of HTTP Basic
/// authentication, which a browser asks for itself.
extension GatewayRoutes {
  static let reviewPageSize = 100
  /// Rows read to find one page of altered sends, or to draw the chart.
  static let reviewScanLimit = 5_000

  static func addReviewRoutes(_ router: RouteTable, _ gateway: Gateway) {
    router.get("/review") { request, context -> Response in
      if case .refused(let response) = await access(
        request, needs: [.auditRead], keys: gateway.keys, context: context)
      {
        return browserChallenge(response)
      }
      let parameters = request.uri.queryParameters
      let filters = Dictionary(
        ["outcome", "rule", "code", "campaign", "customer", "since", "until", "view", "cursor"]
          .compactMap { name in
            parameters[Substring(name)].map { (name, String($0)) }
          }, uniquingKeysWith: { first, _ in first })
      do {
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
        return html(
          ReviewPage.list(
            rows: page.map(ReviewPage.row), filters: filters, view: view,
            chart: ReviewPage.chart(chartRows), next: next), status: .ok)
      } catch let query as BadQuery {
        return Problem.badQuery(query.problems).response
      } catch {
        context.logger.error("review failed", metadata: ["error": "\(error)"])
        return Problem.internalError().response
      }
    }
    router.get("/review/decisions/{id}") { request, context -> Response in
      if case .refused(let response) = await access(
        request, needs: [.auditRead], keys: gateway.keys, context: context)
      {
        return browserChallenge(response)
      }
      do {
        let id = try context.parameters.require("id")
        guard let entry = try await gateway.decision(id: id) else {
          return html(
            "<!doctype html><html lang=\"en\"><title>Not found</title><p>No decision "
              + "\(HTMLText.escape(id)).</p></html>", status: .notFound)
        }
        let policyText = try await gateway.policyText(version: entry.policyVersion)
        return html(ReviewPage.detail(entry, policyText: policyText), status: .ok)
      } catch {
        context.logger.error("review failed", metadata: ["error": "\(error)"])
        return Problem.internalError().response
      }
    }
  }

  /// A browser shows its own login box for Basic, not for Bearer.
  static func browserChallenge(_ refused: Response) -> Response {
    var response = refused
    if response.status == .unauthorized {
      response.headers[.wwwAuthenticate] = #"Basic realm="Mail Governor review", charset="UTF-8""#
    }
    return response
  }
}
