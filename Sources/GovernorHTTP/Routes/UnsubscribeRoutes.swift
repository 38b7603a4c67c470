import Foundation
import GovernorCore
import GovernorService
import Hummingbird
import NIOCore

extension GatewayRoutes {
  /// Unsubscribe links carry their own authority (a signed token), never an API key: RFC 8058
  /// forbids any login or confirmation step on the one-click POST.
  static func addUnsubscribeRoutes(_ router: RouteTable, _ gateway: Gateway) {
    router.open.get("/u/{token}") { _, context -> Response in
      let token = try context.parameters.require("token")
      guard let grant = gateway.unsubscribeTokens.grant(for: token) else {
        return html(invalidLinkPage, status: .badRequest)
      }
      let state = try await gateway.preferences(for: grant)
      return html(PreferencePage.render(state, token: token, notices: []), status: .ok)
    }
    router.open.post("/u/{token}") { request, context -> Response in
      let token = try context.parameters.require("token")
      guard let grant = gateway.unsubscribeTokens.grant(for: token) else {
        context.logger.notice("unsubscribe link refused: bad signature")
        throw Problem.badLink()
      }
      let body = try await request.bodyData(upTo: 64 << 10)
      let form = UnsubscribeForm(
        body: String(decoding: body, as: UTF8.self), contentType: request.headers[.contentType])
      if form.isOneClick {
        let changed = try await gateway.apply(.unsubscribeScope, for: grant, from: .oneClick)
        context.logger.notice(
          "one-click unsubscribe",
          metadata: [
            "customer_id": "\(grant.customerId)", "scope": "\(grant.scope)",
            "changed": "\(changed)",
          ])
        return json(
          #"{"unsubscribed":true,"scope":\#(JSONText.quoted(grant.scope.description))}"#,
          status: .ok)
      }
      let choices = try form.choices()
      var notices: [String] = []
      for choice in choices {
        let changed = try await gateway.apply(choice, for: grant, from: .preferencePage)
        notices.append(PreferenceNotice.text(for: choice, grant: grant, changed: changed))
      }
      let state = try await gateway.preferences(for: grant)
      return html(PreferencePage.render(state, token: token, notices: notices), status: .ok)
    }
  }

  static func html(_ text: String, status: HTTPResponse.Status) -> Response {
    Response(
      status: status,
      headers: [
        .contentType: "text/html; charset=utf-8",
        // Nothing on the page loads from elsewhere or runs script; say so to the browser.
        .contentSecurityPolicy:
          "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
        .cacheControl: "no-store",
      ],
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  static let invalidLinkPage = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>Link not valid</title></head>
    <body><main><h1>This link is not valid</h1>
    <p>It may have been copied incompletely. Use the unsubscribe link in the email itself.</p>
    </main></body></html>

    """
}

/// The text the page shows after a choice, read out by screen readers through the status
/// region.
enum PreferenceNotice {
  static func text(for choice: PreferenceChoice, grant: UnsubscribeGrant, changed: Bool) -> String {
    switch choice {
    case .unsubscribeScope:
      return changed
        ? "You are unsubscribed from \(grant.scope) emails."
        : "You were already unsubscribed from \(grant.scope) emails."
    case .unsubscribeAll:
      return changed
        ? "You are unsubscribed from all emails but receipts and account messages."
        : "You were already unsubscribed from everything."
    case .frequency(let preference?):
      return changed
        ? "Saved: at most \(PreferencePage.describe(preference))."
        : "Your limit stays at \(PreferencePage.describe(preference))."
    case .frequency(nil):
      return changed ? "Saved: no limit of your own." : "You have no limit of your own."
    case .trackingOff:
      return changed
        ? "Open and click tracking is off." : "Open and click tracking was already off."
    }
  }
}
