import Foundation
import GovernorCore
import GovernorStore

/// The compliance report as text for a terminal, JSON for a machine, or one HTML page (no
/// script, no external asset) with the rates drawn as an SVG chart.
struct ComplianceReportOutput {
  let report: ComplianceReport

  private static func time(_ date: Date) -> String { date.formatted(.iso8601) }

  private static func delay(_ seconds: Int) -> String {
    seconds < 60 ? "\(seconds)s" : TimeSpan(seconds: seconds).spoken
  }

  private func verdictWord(_ verdict: DeadlineVerdict) -> String {
    switch verdict.met {
    case true?: return "met"
    case false?: return "MISSED"
    case nil: return "no calendar covers it"
    }
  }

  // MARK: Text

  var text: String {
    var lines = [
      "Compliance report \(Self.time(report.since)) to \(Self.time(report.until)) "
        + "(policy \(report.policy.name) \(report.policy.version))",
      "",
      "Opt-outs: \(report.optOuts.count)",
    ]
    for deadline in OptOutDeadline.allCases {
      let tally = report.tally(deadline)
      lines.append(
        "  \(deadline.title.padding(toLength: 30, withPad: " ", startingAt: 0))"
          + "met \(tally.met), missed \(tally.missed)"
          + (tally.unknown > 0 ? ", not judged \(tally.unknown)" : ""))
    }
    for finding in report.optOuts {
      lines.append(
        "  \(Self.time(finding.at))  \(finding.customerId)  \(finding.kind) (\(finding.scope))"
          + (finding.source.map { "  \($0)" } ?? ""))
      for send in finding.sendsAfter {
        lines.append(
          "      sent after it: \(send.messageId ?? "(not decided by the governor)")"
            + (send.category.map { " (\($0))" } ?? "") + " at \(Self.time(send.at)), "
            + "\(Self.delay(send.delaySeconds)) after (\(send.via))")
      }
      lines.append("      " + blocked(finding))
      lines.append(
        "      "
          + finding.verdicts.map { "\($0.deadline.title): \(verdictWord($0))" }.joined(
            separator: "; "))
    }
    lines += ["", "Complaint and hard-bounce rates by day of sending:"]
    if report.rates.isEmpty { lines.append("  no delivery reports counted in the period") }
    for row in report.rates {
      let scope = row.scope == .campaign ? "campaign" : "sending domain"
      lines.append(
        "  \(scope) \(row.key)  \(row.day)  delivered \(row.delivered)  complaints "
          + "\(row.complaintRate) (\(row.complained))  hard bounces \(row.bounceRate) "
          + "(\(row.hardBounced))")
    }
    lines += ["", "Reputation brakes:"]
    if report.brakeChanges.isEmpty { lines.append("  no brake changed in the period") }
    for change in report.brakeChanges.reversed() {
      lines.append("  \(Self.time(change.at))  \(change.sentence)")
    }
    for (rule, count) in report.brakedDecisions.sorted(by: { $0.key < $1.key }) {
      lines.append("  \(count) decision(s) held back by \(rule)")
    }
    lines += ["", "Unsubscribe links: \(linkLifetime)", "", "Holiday calendars:"]
    if report.calendars.isEmpty { lines.append("  none: business-day deadlines not judged") }
    for calendar in report.calendars {
      lines.append("  \(calendar.country): \(calendar.name) (\(calendar.source))")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// How long after the opt-out the governor took it, and so blocked the customer's mail.
  func blocked(_ finding: OptOutFinding) -> String {
    guard let recordedAt = finding.recordedAt else {
      return "blocked from when it was recorded (not kept for records this old)"
    }
    let lag = max(0, Int(recordedAt.timeIntervalSince(finding.at)))
    return "blocked from \(Self.time(recordedAt)), \(Self.delay(lag)) after it"
  }

  var linkLifetime: String {
    "they never expire (CAN-SPAM wants 30 days after sending, CASL 60: both met); opened with "
      + "the current secret"
      + (report.previousSecrets > 0
        ? " and \(report.previousSecrets) previous one(s) kept after a rotation" : "")
  }

  // MARK: JSON

  var json: String {
    let object: [String: Any] = [
      "since": Self.time(report.since), "until": Self.time(report.until),
      "policy": ["name": report.policy.name, "version": report.policy.version],
      "deadlines": OptOutDeadline.allCases.map { deadline -> [String: Any] in
        let tally = report.tally(deadline)
        return [
          "deadline": deadline.rawValue, "title": deadline.title, "met": tally.met,
          "missed": tally.missed, "not_judged": tally.unknown,
        ]
      },
      "opt_outs": report.optOuts.map { finding -> [String: Any] in
        [
          "customer_id": finding.customerId, "kind": finding.kind, "scope": finding.scope,
          "source": finding.source ?? NSNull(), "at": Self.time(finding.at),
          "recorded_at": finding.recordedAt.map(Self.time) ?? NSNull(),
          "blocked_after_seconds": finding.recordedAt.map {
            max(0, Int($0.timeIntervalSince(finding.at))) as Any
          } ?? NSNull(),
          "sends_after": finding.sendsAfter.map { send -> [String: Any] in
            [
              "message_id": send.messageId ?? NSNull(), "category": send.category ?? NSNull(),
              "at": Self.time(send.at), "via": send.via, "delay_seconds": send.delaySeconds,
            ]
          },
          "deadlines": finding.verdicts.map { verdict -> [String: Any] in
            [
              "deadline": verdict.deadline.rawValue,
              "until": verdict.until.map(Self.time) ?? NSNull(),
              "met": verdict.met.map { $0 as Any } ?? NSNull(),
            ]
          },
        ]
      },
      "rates": report.rates.map { row -> [String: Any] in
        [
          "day": row.day, "scope": row.scope.rawValue, "key": row.key,
          "delivered": row.delivered, "hard_bounced": row.hardBounced,
          "complained": row.complained, "complaint_rate": row.complaintRate.description,
          "hard_bounce_rate": row.bounceRate.description,
        ]
      },
      "brake_changes": report.brakeChanges.map { change -> [String: Any] in
        [
          "at": Self.time(change.at), "measure": change.measure.rawValue,
          "scope": change.scope.rawValue, "key": change.key, "from": change.from,
          "to": change.to, "rate": change.rate.description,
        ]
      },
      "braked_decisions": report.brakedDecisions,
      "unsubscribe_links": [
        "expire": false, "previous_secrets": report.previousSecrets,
        "can_spam_30_days": true, "casl_60_days": true,
      ],
      "holiday_calendars": report.calendars.map {
        ["country": $0.country, "name": $0.name, "source": $0.source]
      },
    ]
    let data =
      (try? JSONSerialization.data(
        withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]))
      ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  // MARK: HTML

  var html: String {
    func escape(_ text: String) -> String { HTMLText.escape(text) }
    var body = """
      <!doctype html><html lang="en"><head><meta charset="utf-8">
      <title>Compliance report</title>
      <style>body{font:15px/1.45 system-ui,sans-serif;margin:1rem 2rem;color:#1d2733}
      table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccd;padding:.2rem .5rem;text-align:left}
      .missed{color:#b00020;font-weight:600}</style></head><body><main>
      <h1>Compliance report</h1>
      <p>\(escape(Self.time(report.since))) to \(escape(Self.time(report.until))), policy \(escape(report.policy.name)) <code>\(escape(report.policy.version))</code></p>
      <h2>Opt-outs against each deadline</h2>
      <table id="deadlines"><thead><tr><th>Deadline</th><th>Met</th><th>Missed</th><th>Not judged</th></tr></thead><tbody>

      """
    for deadline in OptOutDeadline.allCases {
      let tally = report.tally(deadline)
      body +=
        "<tr><td>\(escape(deadline.title))</td><td>\(tally.met)</td>"
        + "<td class=\"\(tally.missed > 0 ? "missed" : "")\">\(tally.missed)</td>"
        + "<td>\(tally.unknown)</td></tr>\n"
    }
    body +=
      "</tbody></table>\n<table id=\"opt-outs\"><thead><tr><th>Opted out</th><th>Customer</th><th>Kind</th><th>Source</th><th>Blocked</th><th>Sent after it</th><th>Deadlines</th></tr></thead><tbody>\n"
    for finding in report.optOuts {
      let sends = finding.sendsAfter.map {
        "\(escape($0.messageId ?? "not decided by the governor")) \(Self.delay($0.delaySeconds)) after (\(escape($0.via)))"
      }.joined(separator: "<br>")
      let verdicts = finding.verdicts.map {
        "<span class=\"\($0.met == false ? "missed" : "")\">\(escape($0.deadline.title)): \(escape(verdictWord($0)))</span>"
      }.joined(separator: "<br>")
      body +=
        "<tr><td>\(escape(Self.time(finding.at)))</td><td>\(escape(finding.customerId))</td>"
        + "<td>\(escape(finding.kind)) (\(escape(finding.scope)))</td>"
        + "<td>\(escape(finding.source ?? ""))</td><td>\(escape(blocked(finding)))</td>"
        + "<td>\(sends.isEmpty ? "none" : sends)</td>"
        + "<td>\(verdicts)</td></tr>\n"
    }
    body += "</tbody></table>\n<h2>Complaint rate by day and sending domain</h2>\n"
    body += rateChart
    body += "\n<h2>Rates by day, sending domain and campaign</h2>\n"
    body +=
      "<table id=\"rates\"><thead><tr><th>Scope</th><th>Day of sending</th><th>Delivered</th>"
      + "<th>Complaints</th><th>Hard bounces</th></tr></thead><tbody>\n"
    for row in report.rates {
      let scope = row.scope == .campaign ? "campaign" : "sending domain"
      body +=
        "<tr><td>\(scope) \(escape(row.key))</td><td>\(escape(row.day))</td>"
        + "<td>\(row.delivered)</td><td>\(row.complaintRate) (\(row.complained))</td>"
        + "<td>\(row.bounceRate) (\(row.hardBounced))</td></tr>\n"
    }
    body += "</tbody></table>\n"
    body += "\n<h2>Reputation brakes</h2>\n<ul id=\"brake-changes\">"
    for change in report.brakeChanges.reversed() {
      body += "<li>\(escape(Self.time(change.at))): \(escape(change.sentence))</li>"
    }
    if report.brakeChanges.isEmpty { body += "<li>No brake changed in the period.</li>" }
    for (rule, count) in report.brakedDecisions.sorted(by: { $0.key < $1.key }) {
      body += "<li>\(count) decision(s) held back by \(escape(rule))</li>"
    }
    body += "</ul>\n<h2>Unsubscribe links</h2>\n<p id=\"links\">\(escape(linkLifetime))</p>\n"
    body += "<h2>Holiday calendars</h2>\n<ul>"
    for calendar in report.calendars {
      body +=
        "<li>\(escape(calendar.country)): \(escape(calendar.name)), "
        + "source <a href=\"\(escape(calendar.source))\">\(escape(calendar.source))</a></li>"
    }
    return body + "</ul>\n</main></body></html>\n"
  }

  /// One line per sending domain: the daily complaint rate, the 0.1% and 0.3% lines drawn.
  var rateChart: String {
    let rows = report.rates.filter { $0.scope == .sendingDomain && $0.delivered > 0 }
    guard !rows.isEmpty else {
      return "<p id=\"rates-none\">No deliveries counted in the period.</p>"
    }
    let days = Array(Set(rows.map(\.day))).sorted()
    let domains = Array(Set(rows.map(\.key))).sorted()
    let top = max(5_000, rows.map(\.complaintRate.perMillion).max() ?? 0)
    let width = 600
    let height = 200
    func x(_ day: String) -> Int {
      days.count == 1 ? width / 2 : (days.firstIndex(of: day) ?? 0) * width / (days.count - 1)
    }
    func y(_ perMillion: Int) -> Int { height - perMillion * height / top }
    let palette = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef8f00", "#00838f"]
    var svg = ""
    for line in [1_000, 3_000] {
      svg +=
        "<line x1=\"0\" x2=\"\(width)\" y1=\"\(y(line))\" y2=\"\(y(line))\" stroke=\"#999\" "
        + "stroke-dasharray=\"4 4\"><title>\(Rate(perMillion: line))</title></line>"
    }
    for (index, domain) in domains.enumerated() {
      let points = rows.filter { $0.key == domain }.map {
        "\(x($0.day)),\(y($0.complaintRate.perMillion))"
      }.joined(separator: " ")
      svg +=
        "<polyline fill=\"none\" stroke=\"\(palette[index % palette.count])\" stroke-width=\"2\" "
        + "points=\"\(points)\"><title>\(HTMLText.escape(domain))</title></polyline>"
    }
    let legend = domains.enumerated().map { index, domain in
      "<span style=\"color:\(palette[index % palette.count])\">■ \(HTMLText.escape(domain))</span>"
    }.joined(separator: " ")
    return "<svg id=\"rate-chart\" role=\"img\" aria-label=\"daily complaint rate per sending "
      + "domain; dashed lines at 0.1% and 0.3%\" width=\"\(width)\" height=\"\(height)\" "
      + "viewBox=\"0 0 \(width) \(height)\">\(svg)</svg><p class=\"legend\">\(legend) "
      + "(\(days.first ?? "") to \(days.last ?? ""); top of the chart "
      + "\(Rate(perMillion: top)))</p>"
  }
}
