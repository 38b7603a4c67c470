import Foundation
import GovernorCore
import Testing

/// The policy in force, checking a new one, and the Prometheus metrics.
@Suite("Policy and metrics routes")
struct PolicyRouteTests {
  @Test("GET /v1/policy names the policy in force and returns its text")
  func policyInForce() async throws {
    try await GatewayServer.with { server in
      let reply = try await server.call("GET", "/v1/policy", scope: "send")
      #expect(reply.status == 200)
      #expect(reply.json["name"] as? String == "route-test")
      #expect(reply.json["version"] as? String == server.gateway.policy.version)
      #expect(reply.json["categories"] as? [String] == ["transactional", "marketing"])
      #expect(reply.json["text"] as? String == server.gateway.policy.text)
      #expect(try await server.call("GET", "/v1/policy", scope: nil).status == 401)
    }
  }

  @Test("POST /v1/policy/check: a valid policy is summarised, errors name FILE:LINE:COLUMN")
  func check() async throws {
    try await GatewayServer.with { server in
      let good = try await server.call(
        "POST", "/v1/policy/check", scope: "dry-run",
        body: "name: next\ncategories:\n  news: {consent: []}\n", contentType: "application/yaml")
      #expect(good.status == 200)
      #expect(good.json["valid"] as? Bool == true)
      #expect(good.json["name"] as? String == "next")
      let bad = try await server.call(
        "POST", "/v1/policy/check?file=policies/next.yaml", scope: "dry-run",
        body:
          "name: next\ncategories:\n  news: {consent: [nope]}\ncaps:\n  - {id: w, max: 0, within: 7d}\n",
        contentType: "application/yaml")
      #expect(bad.status == 422)
      #expect(bad.contentType == "application/problem+json")
      #expect(bad.problemFields.count >= 2)
      #expect(bad.problemFields.allSatisfy { $0.hasPrefix("policies/next.yaml:") })
      #expect(bad.problemFields.contains("policies/next.yaml:5:18"))
    }
  }

  @Test("POST /v1/policy/check reads the tracker lists from the served policy's folder")
  func checkWithLists() async throws {
    let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("policies")
    let shipped = try Data(contentsOf: policies.appendingPathComponent("default.yaml"))
    let served = policies.appendingPathComponent("default.yaml").path
    try await GatewayServer.with(policyFile: served) { server in
      let good = try await server.call(
        "POST", "/v1/policy/check?file=policies/default.yaml", scope: "dry-run",
        body: String(decoding: shipped, as: UTF8.self), contentType: "application/yaml")
      #expect(good.status == 200)
      let onDisk = try PolicyLoader.load(file: served).get()
      #expect(good.json["version"] as? String == onDisk.version)
      let missing = try await server.call(
        "POST", "/v1/policy/check", scope: "dry-run",
        body:
          "name: next\ncategories:\n  news: {consent: []}\ntracking:\n  lists: [trackers/missing.yaml]\n",
        contentType: "application/yaml")
      #expect(missing.status == 422)
      #expect(missing.problemFields == ["policy.yaml:5:11"])
    }
  }

  @Test("GET /metrics counts decisions by outcome and rule, forwards and their latency")
  func metrics() async throws {
    try await GatewayServer.with(capMax: 1) { server in
      for id in ["m1", "m2"] {
        _ = try await server.call(
          "POST", "/v1/messages", scope: "send", body: GatewayServer.message(id))
      }
      let reply = try await server.call("GET", "/metrics", scope: nil)
      #expect(reply.status == 200)
      #expect(reply.contentType?.hasPrefix("text/plain") == true)
      let text = reply.text
      #expect(text.contains(#"governor_decisions_total{outcome="forwarded"} 1"#))
      #expect(text.contains(#"governor_decisions_total{outcome="blocked"} 1"#))
      #expect(text.contains(#"governor_decision_reasons_total{rule="caps.weekly",code="#))
      #expect(text.contains(#"governor_forwards_total{result="sent"} 1"#))
      #expect(text.contains(#"governor_forward_duration_seconds_count{result="sent"} 1"#))
      #expect(text.contains(#"governor_modifications_total{kind="list_unsubscribe_added"} 1"#))
    }
  }
}
