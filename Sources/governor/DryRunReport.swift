import Foundation
import GovernorCore

/// The dry-run as one self-contained HTML page (inline CSS and SVG, no scripts, nothing
/// fetched), for a marketer to keep or pass on: outcomes, the rules behind held messages as a
/// bar chart, when deferred messages would go out, and the tracking that would be removed.
enum DryRunReport {
  static func render(_ summary: DryRunSummary, campaign: Campaign, policy: Policy) -> String {
    var page = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8">
      <title>Dry-run: \(HTMLText.escape(campaign.id))</title>
      <style>
      body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d2733}
      h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
      table{border-collapse:collapse}td,th{padding:.25rem .75rem;text-align:left}
      td.n{text-align:right;font-variant-numeric:tabular-nums}
      .f{fill:#2e7d32}.b{fill:#c62828}.d{fill:#ef8f00}.s{fill:#7b8794}
      svg text{font:12px system-ui,sans-serif;fill:#1d2733}
      .meta{color:#52606d}
      </style></head><body>
      <h1>Dry-run of campaign \(HTMLText.escape(campaign.id)) (\(HTMLText.escape(campaign.category)))</h1>
      <p class="meta">Decided at \(HTMLText.escape(summary.at.formatted(.iso8601))) under policy
      \(HTMLText.escape(policy.name)) <code>\(HTMLText.escape(policy.version))</code>.
      Subject: \(HTMLText.escape(campaign.subject)). Nothing was sent and nothing was recorded.</p>

      """
    page += outcomes(summary)
    page += rules(summary)
    page += releases(summary)
    page += tracking(summary)
    page += "</body></html>\n"
    return page
  }

  private static func outcomes(_ summary: DryRunSummary) -> String {
    let total = max(summary.recipients, 1)
    let parts = [
      ("forwarded", summary.forwarded, "f"), ("blocked", summary.blocked, "b"),
      ("deferred", summary.deferred, "d"),
    ]
    var x = 0.0
    var bars = ""
    for (_, count, style) in parts where count > 0 {
      let width = 600.0 * Double(count) / Double(total)
      bars +=
        #"<rect class="\#(style)" x="\#(format(x))" y="0" width="\#(format(width))" height="28"/>"#
      x += width
    }
    let rows = parts.map { name, count, _ in
      "<tr><td>\(name)</td><td class=\"n\">\(count)</td><td class=\"n\">"
        + String(format: "%.1f%%", Double(count) * 100 / Double(total)) + "</td></tr>"
    }.joined()
    return """
      <h2>Outcomes for \(summary.recipients) recipients</h2>
      <svg role="img" aria-label="outcomes" width="600" height="28" viewBox="0 0 600 28">\(bars)</svg>
      <table>\(rows)</table>

      """
  }

  /// One bar per rule: blocked, deferred and shadow counts side by side.
  private static func rules(_ summary: DryRunSummary) -> String {
    guard !summary.rules.isEmpty else {
      return "<h2>Outcomes by rule</h2><p>No rule held a message back.</p>\n"
    }
    let rules = summary.rules.sorted {
      ($1.value.blocked + $1.value.deferred, $0.key) < (
        $0.value.blocked + $0.value.deferred, $1.key
      )
    }
    let largest = rules.map { $0.value.blocked + $0.value.deferred + $0.value.shadow }.max() ?? 1
    let rowHeight = 26
    var chart = ""
    for (index, (rule, counts)) in rules.enumerated() {
      let y = index * rowHeight
      chart += #"<text x="0" y="\#(y + 17)">\#(HTMLText.escape(rule))</text>"#
      var x = 200.0
      for (count, style) in [(counts.blocked, "b"), (counts.deferred, "d"), (counts.shadow, "s")]
      where count > 0 {
        let width = 360.0 * Double(count) / Double(max(largest, 1))
        chart +=
          #"<rect class="\#(style)" x="\#(format(x))" y="\#(y + 4)" width="\#(format(width))" height="18"/>"#
        x += width
      }
      let total = counts.blocked + counts.deferred + counts.shadow
      chart += #"<text x="\#(format(x + 6))" y="\#(y + 17)">\#(total)</text>"#
    }
    let height = rules.count * rowHeight
    let rows = rules.map { rule, counts in
      "<tr><td><code>\(HTMLText.escape(rule))</code></td><td class=\"n\">\(counts.blocked)</td>"
        + "<td class=\"n\">\(counts.deferred)</td><td class=\"n\">\(counts.shadow)</td>"
        + "<td class=\"n\">\(counts.noted)</td></tr>"
    }.joined()
    let reasons = summary.reasons.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map {
      "<tr><td><code>\(HTMLText.escape($0.key))</code></td><td class=\"n\">\($0.value)</td></tr>"
    }.joined()
    return """
      <h2>Outcomes by rule</h2>
      <svg role="img" aria-label="outcomes by rule" width="640" height="\(height)" viewBox="0 0 640 \(height)">\(chart)</svg>
      <p><svg width="12" height="12"><rect class="b" width="12" height="12"/></svg> blocked
      <svg width="12" height="12"><rect class="d" width="12" height="12"/></svg> deferred
      <svg width="12" height="12"><rect class="s" width="12" height="12"/></svg> shadow (reported only); noted: let through, with a note for the record</p>
      <table><tr><th>rule</th><th>blocked</th><th>deferred</th><th>shadow</th><th>noted</th></tr>\(rows)</table>
      <h2>Reasons</h2><table><tr><th>reason</th><th>messages</th></tr>\(reasons)</table>

      """
  }

  /// Deferred messages by the hour they would go out.
  private static func releases(_ summary: DryRunSummary) -> String {
    guard !summary.releases.isEmpty else {
      return "<h2>When deferred messages would go out</h2><p>No message would be deferred.</p>\n"
    }
    let hours = summary.releases.sorted { $0.key < $1.key }
    let largest = hours.map(\.value).max() ?? 1
    let barWidth = max(4.0, min(40.0, 600.0 / Double(hours.count)))
    var chart = ""
    for (index, (_, count)) in hours.enumerated() {
      let height = 150.0 * Double(count) / Double(largest)
      chart +=
        #"<rect class="d" x="\#(format(Double(index) * barWidth))" y="\#(format(160 - height))" width="\#(format(barWidth - 1))" height="\#(format(height))"/>"#
    }
    let width = Int(Double(hours.count) * barWidth)
    let rows = hours.map {
      "<tr><td>\(HTMLText.escape($0.key.formatted(.iso8601)))</td><td class=\"n\">\($0.value)</td></tr>"
    }.joined()
    return """
      <h2>When deferred messages would go out</h2>
      <svg role="img" aria-label="deferred messages by hour" width="\(width)" height="160" viewBox="0 0 \(width) 160">\(chart)</svg>
      <table><tr><th>hour (UTC)</th><th>messages</th></tr>\(rows)</table>

      """
  }

  private static func tracking(_ summary: DryRunSummary) -> String {
    guard !summary.modifications.isEmpty else {
      return "<h2>Tracking</h2><p>Nothing would be removed or added.</p>\n"
    }
    let rows = summary.modifications.sorted { $0.key < $1.key }.map {
      "<tr><td><code>\(HTMLText.escape($0.key))</code></td><td class=\"n\">\($0.value)</td></tr>"
    }.joined()
    return """
      <h2>Tracking and headers</h2>
      <p>Tracking would be removed from \(summary.messagesWithTrackingRemoved) of \(summary.forwarded) forwarded messages.</p>
      <table><tr><th>change</th><th>count</th></tr>\(rows)</table>

      """
  }

  private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

}
