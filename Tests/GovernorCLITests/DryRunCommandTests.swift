import Foundation
import GovernorCore
import GovernorStore
import Testing

@Suite("governor dry-run and customer import")
struct DryRunCommandTests {
  static let campaign = "fixtures/campaigns/autumn-sale.yaml"

  /// A store holding the example's customers, imported through the binary.
  func exampleStore(_ kind: CLIStore) async throws -> String {
    let location = try kind.freshLocation()
    let run = try await GovernorBinary.run(
      "customer", "import", "fixtures/campaigns/autumn-customers.yaml", "--store", location)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdoutLines == ["imported 7 customers into \(location)"])
    return location
  }

  /// Everything a dry-run could have changed: the SQLite file byte for byte and what its WAL
  /// holds (a read-only reader may leave an empty WAL and SQLite's shared-memory index, which
  /// hold no data), or every table's rows (PostgreSQL).
  func fingerprint(_ kind: CLIStore, _ location: String) async throws -> [String] {
    switch kind {
    case .sqlite:
      let database = FileManager.default.contents(atPath: location)
      let wal = FileManager.default.contents(atPath: location + "-wal")
      return [
        database.map { $0.base64EncodedString() } ?? "absent",
        "WAL frames: \((wal?.count ?? 0) > 0 ? "some" : "none")",
      ]
    case .postgres:
      var rows: [String] = []
      for table in ["customer", "consent_event", "suppression", "send_ledger", "decision"] {
        rows.append(
          try await kind.raw(location).text(
            "SELECT '\(table)' || ':' || count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) t"
          ) ?? "")
      }
      return rows
    }
  }

  @Test(
    "the summary counts every outcome, rule and reason, and the store is left as it was",
    arguments: CLIStore.available)
  func summary(kind: CLIStore) async throws {
    let location = try await exampleStore(kind)
    let before = try await fingerprint(kind, location)
    let run = try await GovernorBinary.run("dry-run", Self.campaign, "--store", location)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      Array(run.stdoutLines.dropFirst()) == [
        "9 recipients: 3 would be forwarded (33.3%), 5 blocked (55.6%), 1 deferred (11.1%)",
        "by rule:",
        "  caps.daily: 1 blocked",
        "  caps.gap: 1 blocked",
        "  caps.weekly: 1 blocked",
        "  consent.marketing: 2 blocked",
        "  quiet_hours: 1 deferred",
        "  suppression.unsubscribed: 1 blocked",
        "by reason:",
        "  cap_exceeded: 2",
        "  consent_missing: 2",
        "  min_gap: 1",
        "  quiet_hours: 1",
        "  unsubscribed: 1",
        "deferred messages would go out from 2026-11-18T16:00:00Z to 2026-11-18T16:59:59Z",
        "tracking: removed from 2 of 3 forwarded messages",
        // The mail's "Email preferences" links keep their redirect and parameters.
        "  click_redirect_unrecoverable: 8",
        "  feedback_id_added: 3",
        "  list_unsubscribe_added: 3",
        "  open_pixel_removed: 2",
        "  sender_tracking_disabled: 2",
        "  tracking_parameters_removed: 4",
      ])
    #expect(
      run.stdoutLines.first?.hasPrefix("campaign autumn-sale at 2026-11-18T10:00:00Z") == true)
    #expect(try await fingerprint(kind, location) == before)
  }

  @Test(
    "the list's addresses count: one not the profile's is a mismatch, one suppressed under another id is blocked",
    arguments: CLIStore.available)
  func listAddresses(kind: CLIStore) async throws {
    let location = try await exampleStore(kind)
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("list-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    // 2001's profile says ana@example.com; eve@example.com unsubscribed as customer 2005.
    try """
    customer_id,email
    2001,ana.other@example.com
    9999,EVE@example.com
    2002,bea@example.com
    """.write(toFile: folder + "/list.csv", atomically: true, encoding: .utf8)
    try """
    id: list-check
    category: transactional
    send_at: 2026-11-18T10:00:00Z
    message: {from: "Shop <shop@shop.example>", subject: Your order, text: Shipped.}
    recipients_file: list.csv
    """.write(toFile: folder + "/campaign.yaml", atomically: true, encoding: .utf8)
    let receipts = try await GovernorBinary.run(
      "dry-run", folder + "/campaign.yaml", "--store", location, "--format", "json",
      "--policy", "policies/default.yaml")
    #expect(receipts.status == 0, "\(receipts.stderr)")
    let rows = try receipts.stdoutLines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    func codes(_ row: [String: Any]) async -> [String] {
      (row["reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }
    #expect(rows.map { $0["outcome"] as? String } == ["forwarded", "forwarded", "forwarded"])
    // Transactional mail: the mismatch is reported, and the unsubscribe spares receipts.
    await #expect(codes(rows[0]) == ["address_mismatch"])
    await #expect(codes(rows[1]) == [])
    #expect(!receipts.stdout.contains("ana.other@example.com"))

    let offer = folder + "/offer.yaml"
    try String(contentsOfFile: folder + "/campaign.yaml", encoding: .utf8)
      .replacingOccurrences(of: "category: transactional", with: "category: marketing")
      .write(toFile: offer, atomically: true, encoding: .utf8)
    let offers = try await GovernorBinary.run(
      "dry-run", offer, "--store", location, "--format", "json", "--policy",
      "policies/default.yaml")
    let offerRows = try offers.stdoutLines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(offerRows.map { $0["outcome"] as? String } == ["blocked", "blocked", "forwarded"])
    await #expect(codes(offerRows[0]) == ["address_mismatch"])
    await #expect(codes(offerRows[1]) == ["consent_missing", "unsubscribed"])
  }

  @Test("csv and json give one row per recipient on stdout, the summary on stderr")
  func rows() async throws {
    let location = try await exampleStore(.sqlite)
    let csv = try await GovernorBinary.run(
      "dry-run", Self.campaign, "--store", location, "--format", "csv")
    #expect(csv.status == 0)
    #expect(csv.stdoutLines.count == 10)
    #expect(csv.stdoutLines[0] == DryRunRow.csvHeader)
    #expect(
      csv.stdoutLines[8].hasPrefix(
        "2007,autumn-sale-2007,blocked,2026-11-19T08:00:00Z,caps.daily;caps.gap,cap_exceeded;min_gap,"
      ))
    #expect(csv.stderrLines.contains { $0.hasPrefix("9 recipients:") })

    let json = try await GovernorBinary.run(
      "dry-run", Self.campaign, "--store", location, "--format", "json", "--at",
      "2026-11-18T22:30:00Z")
    #expect(json.status == 0)
    let rows = try json.stdoutLines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(rows.count == 9)
    // At 22:30Z it is night in Europe: the Madrid customer's message waits for the morning.
    #expect(rows[0]["customer_id"] as? String == "2001")
    #expect(rows[0]["outcome"] as? String == "deferred")
  }

  @Test("--max-blocked gates a launch: exit 2 past the share, 0 within it")
  func maxBlocked() async throws {
    let location = try await exampleStore(.sqlite)
    let over = try await GovernorBinary.run(
      "dry-run", Self.campaign, "--store", location, "--max-blocked", "15%")
    #expect(over.status == 2)
    #expect(
      over.stderrLines == ["55.6% of recipients would be blocked, more than --max-blocked 15%"])
    let within = try await GovernorBinary.run(
      "dry-run", Self.campaign, "--store", location, "--max-blocked", "60%")
    #expect(within.status == 0)
    let bad = try await GovernorBinary.run(
      "dry-run", Self.campaign, "--store", location, "--max-blocked", "lots")
    #expect(bad.status != 0 && bad.stderr.contains("--max-blocked 'lots' must be a percentage"))
  }

  @Test("--policy dry-runs under a policy that is not in force")
  func otherPolicy() async throws {
    let location = try await exampleStore(.sqlite)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dry-run-policy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    // The default policy without quiet hours: the Los Angeles customer is no longer deferred.
    let text = try String(
      contentsOf: GovernorBinary.repositoryRoot.appendingPathComponent("policies/default.yaml"),
      encoding: .utf8)
    let quiet = try #require(text.range(of: "quiet_hours:\n  start"))
    let end = try #require(text.range(of: "\ntracking:", range: quiet.upperBound..<text.endIndex))
    let edited = text.replacingCharacters(in: quiet.lowerBound..<end.lowerBound, with: "")
      .replacingOccurrences(of: "    quiet_hours: false\n", with: "")
    // Its tracker lists go beside it, as a policy's lists must.
    try FileManager.default.copyItem(
      at: GovernorBinary.repositoryRoot.appendingPathComponent("policies/trackers"),
      to: folder.appendingPathComponent("trackers"))
    let policyFile = folder.appendingPathComponent("no-quiet-hours.yaml").path
    try Data(edited.utf8).write(to: URL(fileURLWithPath: policyFile))
    let run = try await GovernorBinary.run(
      "dry-run", Self.campaign, "--store", location, "--policy", policyFile)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdoutLines.contains { $0.hasPrefix("9 recipients: 4 would be forwarded") })
  }

  @Test("--report writes one self-contained HTML page with the charts")
  func report() async throws {
    let location = try await exampleStore(.sqlite)
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("dry-run-\(UUID().uuidString).html").path
    let run = try await GovernorBinary.run(
      "dry-run", Self.campaign, "--store", location, "--report", path)
    #expect(run.status == 0)
    let page = try String(contentsOfFile: path, encoding: .utf8)
    #expect(page.hasPrefix("<!doctype html>"))
    #expect(page.contains(#"aria-label="outcomes by rule""#))
    #expect(page.contains(#"aria-label="deferred messages by hour""#))
    #expect(page.contains("<code>suppression.unsubscribed</code>"))
    // Nothing is fetched: no scripts, no external stylesheets or images.
    for outside in ["<script", "<link", "src=", "http://", "https://"] {
      #expect(!page.contains(outside), "\(outside)")
    }
  }

  @Test("a bad recipient list stops the run before any row, naming the file and line")
  func badCSV() async throws {
    let location = try await exampleStore(.sqlite)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dry-run-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let campaign = try String(
      contentsOf: GovernorBinary.repositoryRoot.appendingPathComponent(Self.campaign),
      encoding: .utf8
    )
    .replacingOccurrences(
      of: "../emails/", with: "\(GovernorBinary.repositoryRoot.path)/fixtures/emails/")
    try Data(campaign.utf8).write(to: folder.appendingPathComponent("c.yaml"))
    try Data("customer_id,email\n2001,a@example.com\n,b@example.com\n".utf8)
      .write(to: folder.appendingPathComponent("autumn-sale.csv"))
    let run = try await GovernorBinary.run(
      "dry-run", folder.appendingPathComponent("c.yaml").path, "--store", location, "--format",
      "csv")
    #expect(run.status == 1)
    #expect(run.stdout.isEmpty)
    #expect(
      run.stderrLines == [
        "\(folder.appendingPathComponent("autumn-sale.csv").path):3:1: customer_id is empty"
      ])
  }

  @Test("import refuses a file with any bad record and imports nothing")
  func importRefusesBadRecords() async throws {
    let location = try CLIStore.sqlite.freshLocation()
    let file = FileManager.default.temporaryDirectory
      .appendingPathComponent("customers-\(UUID().uuidString).yaml").path
    try Data(
      """
      - id: "1"
        email: one@example.com
        consents: [{purpose: marketing, status: granted, kind: express, at: 2025-01-01T00:00:00Z, source: form}]
      - id: "2"
        email: not-an-address
        consents: [{purpose: marketting, status: granted, kind: express, at: 2025-01-01T00:00:00Z}]
        sends: [{at: 2025-02-01T00:00:00Z, category: promo}]
      """.utf8
    ).write(to: URL(fileURLWithPath: file))
    let run = try await GovernorBinary.run("customer", "import", file, "--store", location)
    #expect(run.status == 1)
    #expect(
      run.stderrLines == [
        "\(file): customers[1] '2': email: 'not-an-address' is not an email address",
        "\(file): customers[1] '2': consents[0].purpose: 'marketting' is not a purpose of policy 'default' (marketing, newsletter, tracking); did you mean 'marketing'?",
        "\(file): customers[1] '2': consents[0].source: is required for granted consent: where the customer gave it (GDPR Art. 7(1): the consent must be demonstrable)",
        "\(file): customers[1] '2': sends[0].category: 'promo' is not a category of policy 'default'",
      ])
    let export = try await GovernorBinary.run("customer", "export", "1", "--store", location)
    #expect(export.status == 1)
  }
}

extension DryRunCommandTests {
  @Test(
    "a dry-run meets the reputation brakes the store's counts hold on at the campaign's time",
    arguments: CLIStore.available)
  func brakesShow(kind: CLIStore) async throws {
    let location = try await exampleStore(kind)
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("brake-\(UUID().uuidString)").path
    // The shipped policy, with a verdict from 200 deliveries instead of 2,000.
    try FileManager.default.copyItem(
      atPath: GovernorBinary.repositoryRoot.appendingPathComponent("policies").path,
      toPath: folder)
    try String(contentsOfFile: folder + "/default.yaml", encoding: .utf8)
      .replacingOccurrences(of: "min_delivered: 2000", with: "min_delivered: 200")
      .write(toFile: folder + "/default.yaml", atomically: true, encoding: .utf8)
    let sentAt = try Date("2026-11-18T09:00:00Z", strategy: .iso8601)
    let engine = Engine(policy: try GovernorBinary.shippedPolicy("default"))
    try await StoreLocation(location).withStore { store in
      // 201 receipts from shop.example that morning: 200 delivered, 1 complained (0.5%).
      for index in 0..<201 {
        let id = "receipt-\(index)"
        _ = try await store.decide(
          Message(
            id: id, customerId: "r\(index)", to: "r\(index)@example.org",
            from: "shop@shop.example", subject: "Receipt", text: "Thanks",
            category: "transactional"), engine: engine, at: sentAt)
        _ = try await store.count(
          DeliveryReport(
            key: "d-\(index)", provider: "ses", outcome: index < 1 ? .complained : .delivered,
            messageId: id, email: "r\(index)@example.org", at: sentAt), at: sentAt)
      }
    }
    try "customer_id,email\n2002,bea@example.com\n".write(
      toFile: folder + "/list.csv", atomically: true, encoding: .utf8)
    try """
    id: braked-offer
    category: marketing
    send_at: 2026-11-18T10:00:00Z
    message: {from: "Shop <shop@shop.example>", subject: Offer, text: Half price.}
    recipients_file: list.csv
    """.write(toFile: folder + "/campaign.yaml", atomically: true, encoding: .utf8)
    let run = try await GovernorBinary.run(
      "dry-run", folder + "/campaign.yaml", "--store", location, "--format", "json",
      "--policy", folder + "/default.yaml")
    let row = try #require(
      try JSONSerialization.jsonObject(with: Data((run.stdoutLines.first ?? "").utf8))
        as? [String: Any])
    #expect(row["outcome"] as? String == "blocked", "\(run.stdout) \(run.stderr)")
    let reasons = row["reasons"] as? [[String: Any]] ?? []
    #expect(reasons.compactMap { $0["code"] as? String } == ["reputation_paused"])
    #expect(
      (reasons.first?["message"] as? String)?.hasPrefix(
        "0.5% complaints on shop.example over 7 days ≥ 0.3%") == true)
  }
}
