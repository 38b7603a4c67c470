import Foundation
import GovernorHTTP
import GovernorService
import Testing

/// Every served route, called with no key, a key that does not exist, a real key with its
/// secret altered, and a key of each scope: 401, 403 or through, exactly as the table says.
/// A route added without a line here fails the first test, so none can ship unprotected by
/// accident.
@Suite("Security: who may call what")
struct SecurityRouteTests {
  enum Access {
    /// Anyone: health, metrics, and the unsubscribe links (their signed token is the credential).
    case open
    /// Any valid key.
    case anyKey
    /// A key with one of these scopes (admin holds them all).
    case scopes([Scope])
    /// Signed with SigV4 by a `send` key's AWS credentials (the SES routes): no bearer key is
    /// a signature, so every one is refused, 403 as Amazon refuses.
    case signedAWS
  }

  static let table: [String: Access] = [
    "GET /healthz": .open,
    "GET /metrics": .open,
    "GET /u/{token}": .open,
    "POST /u/{token}": .open,
    "POST /v1/messages": .scopes([.send]),
    "POST /v1/messages/batch": .scopes([.send]),
    "POST /v3/mail/send": .scopes([.send]),
    "POST /v2/email/outbound-emails": .signedAWS,
    "POST /": .signedAWS,
    "POST /v1/listmonk/messenger": .scopes([.send]),
    "POST /v3/{domain}/messages": .scopes([.send]),
    "POST /v3/{domain}/messages.mime": .scopes([.send]),
    "GET /v3/{domain}/{list}": .scopes([.send]),
    "DELETE /v3/{domain}/{list}/{address}": .scopes([.send]),
    "POST /v1/consents": .scopes([.consentWrite]),
    "POST /v1/suppressions": .scopes([.consentWrite]),
    "DELETE /v1/suppressions/{id}": .scopes([.consentWrite]),
    "GET /v1/customers/{id}": .scopes([.send, .auditRead]),
    "GET /v1/customers/{id}/export": .scopes([.admin]),
    "DELETE /v1/customers/{id}": .scopes([.admin]),
    "PUT /v1/customers/{id}/address": .scopes([.consentWrite]),
    "POST /v1/dry-run": .scopes([.dryRun]),
    "GET /v1/decisions": .scopes([.auditRead]),
    "GET /v1/decisions/{id}": .scopes([.auditRead]),
    "GET /v1/policy": .anyKey,
    "GET /v1/openapi.yaml": .anyKey,
    "POST /v1/policy/check": .anyKey,
    "GET /review": .scopes([.auditRead]),
    "GET /review/decisions/{id}": .scopes([.auditRead]),
    "POST /v1/events/sendgrid": .scopes([.eventsWrite]),
    "POST /v1/events/ses": .scopes([.eventsWrite]),
  ]

  @Test("the table names every served route and nothing else")
  func tableCoversEveryRoute() async throws {
    try await GatewayServer.with { server in
      let served = Set(GatewayRoutes.served(server.gateway))
      #expect(served.subtracting(Self.table.keys).sorted() == [], "served, not in the table")
      #expect(Set(Self.table.keys).subtracting(served).sorted() == [], "in the table, not served")
    }
  }

  @Test("no key, an unknown key, an altered secret and every scope get what the table says")
  func everyRouteEveryCredential() async throws {
    try await GatewayServer.with { server in
      let admin = try #require(server.keys["admin"])
      let altered = String(admin.dropLast()) + (admin.hasSuffix("A") ? "B" : "A")
      let unknown = "mg_000000000000_" + String(repeating: "x", count: 43)
      for (route, access) in Self.table.sorted(by: { $0.key < $1.key }) {
        let parts = route.split(separator: " ", maxSplits: 1)
        let method = String(parts[0])
        let path = String(parts[1]).replacingOccurrences(of: "{id}", with: "no-such-id")
          .replacingOccurrences(of: "{token}", with: "not-a-token")
        let body = method == "GET" || method == "DELETE" ? nil : "{}"
        func reply(_ authorization: String?) async throws -> GatewayServer.Reply {
          try await server.call(
            method, path, scope: nil, body: body,
            headers: authorization.map { [("Authorization", $0)] } ?? [])
        }
        func status(_ authorization: String?) async throws -> Int {
          try await reply(authorization).status
        }
        let withoutKey = try await reply(nil)
        let refusedWithoutKey = withoutKey.status
        let refusedUnknown = try await status("Bearer \(unknown)")
        let refusedAltered = try await status("Bearer \(altered)")
        switch access {
        case .signedAWS:
          #expect(refusedWithoutKey == 403, "\(route) without a signature")
          #expect(refusedUnknown == 403 && refusedAltered == 403, "\(route) with a bearer key")
        case .open:
          #expect(![401, 403].contains(refusedWithoutKey), "\(route) without a key")
        case .anyKey, .scopes:
          #expect(refusedWithoutKey == 401, "\(route) without a key")
          // A browser asks for the key itself only when told Basic; an API client is told
          // Bearer.
          let challenge = withoutKey.headers["www-authenticate"]
          if path.hasPrefix("/review") {
            #expect(
              challenge?.hasPrefix("Basic realm=") == true, "\(route): \(challenge ?? "none")")
          } else {
            #expect(challenge == "Bearer", "\(route): \(challenge ?? "none")")
          }
          #expect(refusedUnknown == 401, "\(route) with an unknown key")
          #expect(refusedAltered == 401, "\(route) with an altered secret")
        }
        for scope in Scope.allCases {
          let key = try #require(server.keys[scope.rawValue])
          let got = try await status("Bearer \(key)")
          switch access {
          case .signedAWS:
            #expect(got == 403, "\(route) as bearer \(scope.rawValue): \(got)")
          case .open, .anyKey:
            #expect(![401, 403].contains(got), "\(route) as \(scope.rawValue): \(got)")
          case .scopes(let allowed):
            if scope == .admin || allowed.contains(scope) {
              #expect(![401, 403].contains(got), "\(route) as \(scope.rawValue): \(got)")
            } else {
              #expect(got == 403, "\(route) as \(scope.rawValue): \(got)")
            }
          }
        }
      }
    }
  }
}

/// A client that keeps presenting no valid key is slowed: 429 with `Retry-After` once it has
/// failed the documented number of times in a minute, its credentials not even looked at.
@Suite struct FailedAuthenticationTests {
  @Test("the 11th failure in a minute from one address gets 429 with Retry-After, valid key or not")
  func repeatedFailuresAreSlowed() async throws {
    try await GatewayServer.with(authFailureLimit: FailedAuthentications.defaultLimit) { server in
      for _ in 0..<FailedAuthentications.defaultLimit {
        let reply = try await server.call(
          "GET", "/v1/decisions", scope: nil, headers: [("Authorization", "Bearer mg_nope_nope")])
        #expect(reply.status == 401)
      }
      let slowed = try await server.call(
        "GET", "/v1/decisions", scope: nil, headers: [("Authorization", "Bearer mg_nope_nope")])
      #expect(slowed.status == 429)
      #expect(slowed.contentType == "application/problem+json")
      let wait = try #require(slowed.headers["retry-after"].flatMap(Int.init))
      #expect((1...60).contains(wait))
      #expect(try await server.call("GET", "/v1/decisions", scope: "admin").status == 429)
    }
  }

  @Test("the count lasts one window: after it the address may try again and is forgotten")
  func windowEnds() async throws {
    let failures = FailedAuthentications(limit: 2, window: .milliseconds(200))
    #expect(!failures.anyCounted)
    #expect(!failures.fail("192.0.2.1"))
    #expect(failures.retryAfter("192.0.2.1") == nil)
    #expect(failures.fail("192.0.2.1"))
    #expect(failures.retryAfter("192.0.2.1") == 1)
    #expect(failures.retryAfter("192.0.2.2") == nil, "another address is not slowed")
    try await Task.sleep(for: .milliseconds(300))
    #expect(!failures.anyCounted)
    #expect(failures.retryAfter("192.0.2.1") == nil)
  }
}
