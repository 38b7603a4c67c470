import Foundation
import GovernorCore
import GovernorHTTP
import GovernorService
import Testing

/// The preference page as a customer meets it: in a real browser (headless Chromium), with
/// clicks, and the effect read back from the store the engine decides on.
@Suite("Preference page in Chromium")
struct PreferencePageBrowserTests {
  @Test("chromium is here when CI runs (make test installs it)")
  func chromiumInstalled() {
    guard !HeadlessChromium.isInstalled else { return }
    let message = "chromium is not installed: the preference page was NOT tested in a browser"
    if ProcessInfo.processInfo.environment["CI"] == "true" {
      Issue.record(Comment(rawValue: message))
    } else {
      print("\n\u{1B}[1;33mWARNING: \(message)\u{1B}[0m\n")
    }
  }

  @Test(
    "a customer lowers the frequency, turns tracking off and unsubscribes, by clicking",
    .enabled(if: HeadlessChromium.isInstalled), .timeLimit(.minutes(1)))
  func drivenByClicks() async throws {
    try await GatewayServer.with(transport: .live) { server in
      try await server.gateway.recordConsent(
        ConsentInput.make(customer: "c1", purpose: "tracking", at: GatewayServer.now - 3600))
      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "c1", scope: .category("marketing")))
      let browser = try HeadlessChromium()
      try await browser.open(try #require(server.base) + "/u/\(token)")
      try await browser.wait(until: "document.getElementById('save')")

      // Accessible and self-contained: a language, every control labelled, nothing loaded
      // from anywhere, no script.
      #expect(try await browser.evaluate("document.documentElement.lang") as? String == "en")
      #expect(
        try await browser.evaluate(
          "[...document.querySelectorAll('input')].every(i => i.labels.length === 1)") as? Bool
          == true)
      #expect(
        try await browser.evaluate("performance.getEntriesByType('resource').length") as? Int == 0)
      #expect(try await browser.evaluate("document.scripts.length") as? Int == 0)
      #expect(
        try await browser.evaluate("document.getElementById('status').getAttribute('role')")
          as? String == "status")
      // The customer's own record, in words, and a picture of the page with the test output.
      #expect(
        (try await browser.evaluate("document.getElementById('consents').textContent") as? String)?
          .contains("Tracking: given on") == true)
      #expect(
        try await browser.evaluate("document.querySelectorAll('#limits li').length") as? Int ?? 0
          > 0)
      let screenshot = try await browser.screenshot(width: 800, height: 1600)
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "governor-test-output")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let file = folder.appendingPathComponent("preference-page-en.png")
      try screenshot.write(to: file)
      Attachment.record(screenshot, named: "preference-page-en.png")
      print("preference page screenshot: \(file.path)")
      #expect(screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]))

      // With nothing to report the region takes no room (it was an empty green bar).
      let statusHeight = "document.getElementById('status').getBoundingClientRect().height"
      #expect(try await browser.evaluate(statusHeight) as? Double == 0)

      _ = try await browser.evaluate(
        """
        document.getElementById('frequency-weekly').click();
        document.getElementById('tracking-off').click();
        document.getElementById('save').click();
        """)
      try await browser.wait(
        until: "document.getElementById('status')?.textContent.includes('Saved')")
      #expect((try await browser.evaluate(statusHeight) as? Double ?? 0) > 0)
      let state = try #require(try await server.store.customerState("c1", sendsSince: .distantPast))
      #expect(
        state.frequencyPreference == FrequencyPreference(max: 1, window: .rolling(seconds: 604_800))
      )
      #expect(state.latestConsent(for: "tracking")?.status == .withdrawn)
      #expect(
        try await browser.evaluate("document.getElementById('frequency-weekly').checked") as? Bool
          == true)

      _ = try await browser.evaluate("document.getElementById('unsubscribe-scope').click()")
      try await browser.wait(until: "document.getElementById('unsubscribed')")
      #expect(
        try await server.store.exportCustomer("c1")?.suppressions.map(\.suppression.scope)
          == [.category("marketing")])
      let blocked = try await server.call(
        "POST", "/v1/messages", body: GatewayServer.message("after"))
      #expect(blocked.codes == ["unsubscribed"])
    }
  }
}
