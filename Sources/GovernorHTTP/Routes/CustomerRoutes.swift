import Foundation
import GovernorCore
import GovernorService
import Hummingbird

extension GatewayRoutes {
  static func addCustomerRoutes(_ router: RouteTable, _ gateway: Gateway) {
    // Campaign tools (send) ask before scheduling; compliance (audit:read) looks up a case.
    router.needing([.send, .auditRead]).get("/v1/customers/{id}") { _, context -> Response in
      let id = try context.parameters.require("id")
      guard let overview = try await gateway.customerOverview(id) else {
        throw Problem.notFound("no customer '\(id)'")
      }
      return json(try overview.json(), status: .ok)
    }
    // A CRM's address change: the new address, where it came from, in the change log. The
    // log line names the customer and the key, never the address.
    router.needing([.consentWrite]).put("/v1/customers/{id}/address") {
      request, context -> Response in
      let id = try context.parameters.require("id")
      let key = try context.authenticatedKey
      let input = try RecordDecoding.decode(
        AddressInput.self, from: try await request.bodyData(upTo: bodyLimit))
      guard
        let (change, profile) = try await gateway.changeAddress(customerId: id, input, by: key.id)
      else {
        throw Problem.notFound("no customer '\(id)'")
      }
      if change == .changed {
        context.logger.notice(
          "customer address changed",
          metadata: ["customer_id": "\(id)", "api_key": "\(key.id)"])
      }
      return json(try CustomerOverview.json(profile), status: .ok)
    }
    // A data-subject access request hands over everything: an administrator's call.
    let admin = router.needing([.admin])
    admin.get("/v1/customers/{id}/export") { _, context -> Response in
      let id = try context.parameters.require("id")
      guard let export = try await gateway.export(customerId: id) else {
        throw Problem.notFound("no customer '\(id)'")
      }
      return json(try export.json(), status: .ok)
    }
    admin.delete("/v1/customers/{id}") { _, context -> Response in
      let id = try context.parameters.require("id")
      let key = try context.authenticatedKey
      guard try await gateway.erase(customerId: id) else {
        throw Problem.notFound("no customer '\(id)'")
      }
      context.logger.notice(
        "customer erased", metadata: ["customer_id": "\(id)", "api_key": "\(key.id)"])
      return Response(status: .noContent)
    }
  }
}
