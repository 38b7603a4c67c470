import Foundation
import GovernorCore
import GovernorService
import Mustache

/// `/review`: compliance looks at blocked, deferred and altered sends in a browser. Served
/// HTML with inline CSS and SVG, no scripts and nothing fetched from elsewhere, so it works
/// behind any proxy and keeps nothing from the audit log in a third party's logs.
enum ReviewPage {
  /// A row of the list, read from the recorded decision.
  struct Row {
    var entry: AuditEntry
    var codes: [String]
    var changes: Int
  }

  static func row(_ entry: AuditEntry) -> Row {
    let record = RecordedDecision(entry)
    return Row(
      entry: entry, codes: record?.reasons.map(\.code) ?? [],
      changes: record?.changes.count ?? 0)
  }

  static let listTemplate = template(listText)
  static let detailTemplate = template(detailText)

  static func template(_ text: String) -> MustacheTemplate {
    // swift-format-ignore: NeverUseForceTry
    // The templates are literals checked by every review page test; they cannot fail later.
    try! MustacheTemplate(string: text)
  }

  /// Rates past this many are left out (brakes in force always show first).
  static let rateRows = 50

  /// Every rate the last assessment measured: brakes in force first, then by scope and key.
  static func brakeRows(_ book: ReputationBook?) -> [[String: Any]] {
    let states = (book?.states ?? []).enumerated().sorted {
      ($0.element.engaged == nil ? 1 : 0, $0.offset) < (
        $1.element.engaged == nil ? 1 : 0, $1.offset
      )
    }.map(\.element)
    return states.prefix(rateRows).map { state -> [String: Any] in
      let brake: String
      switch state.engaged?.step.action {
      case .pause: brake = "paused"
      case .throttle(let keep): brake = "throttled to \(keep)"
      case nil: brake = "none"
      }
      return [
        "scope": state.scope == .campaign ? "campaign" : "sending domain", "key": state.key,
        "measure": state.measure == .complaints ? "complaints" : "hard bounces",
        "rate": state.rate.description, "count": state.count, "base": state.base,
        "verdict": state.hasVerdict ? "" : " (too few to judge)", "brake": brake,
        "braked": state.engaged != nil,
        "since": state.engaged.map { "\($0.engagedOn) at \($0.rateThen) ≥ \($0.step.at)" } ?? "",
        "release": state.engaged.map {
          "after \($0.resume.days) days below \($0.resume.below); not before "
            + $0.releasableAt.formatted(.iso8601)
        } ?? "",
      ]
    }
  }

  /// Bypass events past this many are counted, not listed.
  static let bypassRows = 20

  static func list(
    rows: [Row], filters: [String: String], view: String, chart: String, next: String?,
    bypass: [BypassEvent] = [], brakes: ReputationBook? = nil, brakeChanges: [BrakeChange] = []
  ) -> String {
    let views = [("all", "All decisions"), ("held", "Blocked or deferred"), ("altered", "Altered")]
    let outcomes = ["", "forwarded", "blocked", "deferred", "failed"]
    let values: [String: Any] = [
      "views": views.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == view] },
      "outcomes": outcomes.map {
        ["value": $0, "label": $0.isEmpty ? "any" : $0, "selected": filters["outcome"] == $0]
      },
      "rule": filters["rule"] ?? "", "code": filters["code"] ?? "",
      "campaign": filters["campaign"] ?? "", "customer": filters["customer"] ?? "",
      "since": filters["since"] ?? "", "until": filters["until"] ?? "",
      "chart": chart, "hasRows": !rows.isEmpty, "next": next ?? "",
      "hasNext": next != nil, "bypassCount": bypass.count, "hasBypass": !bypass.isEmpty,
      "bypass": bypass.prefix(bypassRows).map { event -> [String: Any] in
        [
          "at": event.at.formatted(.iso8601), "provider": event.provider,
          "outcome": event.outcome.rawValue, "digest": String(event.addressDigest.prefix(16)),
        ]
      },
      "hasReputation": brakes != nil,
      "hasRates": !(brakes?.states.isEmpty ?? true),
      "rates": Self.brakeRows(brakes),
      "hasBrakeChanges": !brakeChanges.isEmpty,
      "brakeChanges": brakeChanges.prefix(bypassRows).map { change -> [String: Any] in
        ["at": change.at.formatted(.iso8601), "sentence": change.sentence]
      },
      "rows": rows.map { row -> [String: Any] in
        [
          "id": row.entry.id, "at": row.entry.decidedAt.formatted(.iso8601),
          "outcome": row.entry.outcome.rawValue, "customer": row.entry.customerId,
          "campaign": row.entry.campaignId ?? "–",
          "rules": row.entry.rules.joined(separator: ", "),
          "codes": row.codes.joined(separator: ", "), "changes": row.changes,
        ]
      },
    ]
    return listTemplate.render(values)
  }

  static func detail(_ entry: AuditEntry, policyText: String?) -> String {
    let record = RecordedDecision(entry)
    let reasons = (record?.reasons ?? []).map { reason -> [String: Any] in
      [
        "rule": reason.rule, "code": reason.code, "effect": reason.effect,
        "message": reason.message,
        "facts": reason.facts.map { ["name": $0.name, "value": $0.value] },
      ]
    }
    let changes = (record?.changes ?? []).map {
      [
        "kind": $0.kind, "url": $0.url ?? "", "replacement": $0.replacement ?? "",
        "detail": $0.detail ?? "",
      ]
    }
    let excerpt = policyText.map { PolicyExcerpt.lines(of: $0, rules: entry.rules) } ?? []
    let values: [String: Any] = [
      "id": entry.id, "sequence": entry.sequence, "at": entry.decidedAt.formatted(.iso8601),
      "outcome": entry.outcome.rawValue, "customer": entry.customerId,
      "message": entry.messageId, "campaign": entry.campaignId ?? "–",
      "notBefore": record?.notBefore ?? "",
      "policy": entry.policyVersion, "reasons": reasons, "hasReasons": !reasons.isEmpty,
      "changes": changes, "hasChanges": !changes.isEmpty,
      "previousHash": entry.previousHash, "hash": entry.hash,
      "hasPolicy": policyText != nil,
      "policyLines": excerpt.map {
        ["number": $0.number, "text": $0.text, "marked": $0.marked]
      },
    ]
    return detailTemplate.render(values)
  }

  /// Held-back decisions per rule per day, as stacked SVG bars: the rules that hold most
  /// mail back, and when they started to.
  static func chart(_ rows: [AuditEntry]) -> String {
    var days: [String: [String: Int]] = [:]
    var totals: [String: Int] = [:]
    for entry in rows where !entry.rules.isEmpty {
      let day = String(entry.decidedAt.formatted(.iso8601).prefix(10))
      for rule in entry.rules {
        days[day, default: [:]][rule, default: 0] += 1
        totals[rule, default: 0] += 1
      }
    }
    guard !days.isEmpty else { return "<p>No rule held back any of these decisions.</p>" }
    let rules = totals.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map(\.key)
    let palette = ["#c62828", "#ef8f00", "#6a1b9a", "#1565c0", "#2e7d32", "#5d4037", "#00838f"]
    let ordered = days.keys.sorted()
    let largest = ordered.map { days[$0]!.values.reduce(0, +) }.max() ?? 1
    let barWidth = 36
    let height = 160
    var svg = ""
    for (index, day) in ordered.enumerated() {
      var y = Double(height)
      for (ruleIndex, rule) in rules.enumerated() {
        guard let count = days[day]?[rule] else { continue }
        let barHeight = Double(height) * Double(count) / Double(largest)
        y -= barHeight
        svg +=
          #"<rect x="\#(index * (barWidth + 8))" y="\#(String(format: "%.1f", y))" width="\#(barWidth)" height="\#(String(format: "%.1f", barHeight))" fill="\#(palette[ruleIndex % palette.count])"><title>\#(HTMLText.escape(day)) \#(HTMLText.escape(rule)): \#(count)</title></rect>"#
      }
      svg +=
        #"<text x="\#(index * (barWidth + 8))" y="\#(height + 14)">\#(HTMLText.escape(String(day.suffix(5))))</text>"#
    }
    let width = max(ordered.count * (barWidth + 8), 200)
    let legend = rules.enumerated().map { index, rule in
      #"<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="\#(palette[index % palette.count])"/></svg> \#(HTMLText.escape(rule)) (\#(totals[rule] ?? 0))</span>"#
    }.joined(separator: " ")
    return
      #"<svg id="rule-chart" role="img" aria-label="decisions held back per rule per day" width="\#(width)" height="\#(height + 20)" viewBox="0 0 \#(width) \#(height + 20)">\#(svg)</svg><p class="legend">\#(legend)</p>"#
  }

  static let style = """
    <style>
    body { font: 15px/1.45 system-ui, sans-serif; margin: 0; padding: 1rem 2rem; color: #1d2733; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d9e2ec; vertical-align: top; }
    form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0; }
    form.filters label { display: flex; flex-direction: column; font-size: .85rem; }
    input, select, button { font: inherit; }
    .blocked { color: #c62828; font-weight: 600; } .deferred { color: #b26a00; font-weight: 600; }
    .forwarded { color: #2e7d32; } svg text { font: 11px system-ui, sans-serif; fill: #52606d; }
    pre { background: #f5f7fa; padding: .5rem; overflow-x: auto; }
    .marked { background: #fff3c4; font-weight: 600; }
    .legend span { margin-right: 1rem; white-space: nowrap; }
    </style>
    """

  static let listText = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
    <title>Review decisions</title>
    \(style)
    </head><body><main>
    <h1>Review decisions</h1>
    <form class="filters" method="get" action="/review">
    <label for="view">Show<select id="view" name="view">{{#views}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/views}}</select></label>
    <label for="outcome">Outcome<select id="outcome" name="outcome">{{#outcomes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/outcomes}}</select></label>
    <label for="rule">Rule<input id="rule" name="rule" value="{{rule}}" placeholder="caps.weekly"></label>
    <label for="code">Reason<input id="code" name="code" value="{{code}}" placeholder="consent_missing"></label>
    <label for="campaign">Campaign<input id="campaign" name="campaign" value="{{campaign}}"></label>
    <label for="customer">Customer<input id="customer" name="customer" value="{{customer}}"></label>
    <label for="since">Since<input id="since" name="since" value="{{since}}" placeholder="2026-11-01T00:00:00Z"></label>
    <label for="until">Until<input id="until" name="until" value="{{until}}"></label>
    <button type="submit" id="apply">Apply</button>
    </form>
    <h2>Held back per rule per day</h2>
    {{{chart}}}
    {{#hasReputation}}
    <h2>Reputation brakes</h2>
    {{#hasRates}}
    <table id="brakes"><thead><tr><th>Scope</th><th>Rate</th><th>Over the window</th><th>Brake</th><th>Since</th><th>Released</th></tr></thead><tbody>
    {{#rates}}<tr class="{{#braked}}braked{{/braked}}"><td>{{scope}} {{key}}</td><td>{{measure}}</td><td>{{rate}} ({{count}} of {{base}}){{verdict}}</td><td>{{brake}}</td><td>{{since}}</td><td>{{release}}</td></tr>
    {{/rates}}</tbody></table>
    {{/hasRates}}
    {{^hasRates}}<p id="brakes-none">No delivery reports counted yet: the brakes have nothing to measure.</p>{{/hasRates}}
    {{#hasBrakeChanges}}
    <h3>Brake changes (30 days, from the brake log)</h3>
    <ul id="brake-changes">{{#brakeChanges}}<li>{{at}}: {{sentence}}</li>{{/brakeChanges}}</ul>
    {{/hasBrakeChanges}}
    {{/hasReputation}}
    <h2>Mail around the governor (7 days)</h2>
    {{#hasBypass}}
    <p id="bypass-count">{{bypassCount}} provider report(s) on mail the governor never decided.</p>
    <table id="bypass"><thead><tr><th>Reported</th><th>Provider</th><th>Outcome</th><th>Address (keyed digest)</th></tr></thead><tbody>
    {{#bypass}}<tr><td>{{at}}</td><td>{{provider}}</td><td>{{outcome}}</td><td>{{digest}}…</td></tr>
    {{/bypass}}</tbody></table>
    {{/hasBypass}}
    {{^hasBypass}}<p id="bypass-none">None: every report names a message the governor decided.</p>{{/hasBypass}}
    <h2>Decisions</h2>
    {{#hasRows}}
    <table id="decisions"><thead><tr><th>Decided</th><th>Outcome</th><th>Customer</th><th>Campaign</th><th>Rules</th><th>Reasons</th><th>Changes</th></tr></thead><tbody>
    {{#rows}}<tr><td><a href="/review/decisions/{{id}}">{{at}}</a></td><td class="{{outcome}}">{{outcome}}</td><td>{{customer}}</td><td>{{campaign}}</td><td>{{rules}}</td><td>{{codes}}</td><td>{{changes}}</td></tr>
    {{/rows}}</tbody></table>
    {{#hasNext}}<p><a id="older" href="{{next}}">Older decisions</a></p>{{/hasNext}}
    {{/hasRows}}
    {{^hasRows}}<p id="empty">No decision matches these filters.</p>{{/hasRows}}
    </main></body></html>
    """

  static let detailText = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
    <title>Decision {{id}}</title>
    \(style)
    </head><body><main>
    <p><a href="/review">All decisions</a></p>
    <h1>Decision {{id}}</h1>
    <table id="summary">
    <tr><th>Outcome</th><td class="{{outcome}}">{{outcome}}{{#notBefore}} (not before {{notBefore}}){{/notBefore}}</td></tr>
    <tr><th>Decided</th><td>{{at}} (row #{{sequence}})</td></tr>
    <tr><th>Customer</th><td>{{customer}}</td></tr>
    <tr><th>Message</th><td>{{message}}</td></tr>
    <tr><th>Campaign</th><td>{{campaign}}</td></tr>
    <tr><th>Policy version</th><td><code>{{policy}}</code></td></tr>
    </table>
    <h2>Reasons</h2>
    {{#hasReasons}}<ul id="reasons">{{#reasons}}<li><strong>{{rule}}</strong> ({{code}}, {{effect}}): {{message}}
    <ul>{{#facts}}<li>{{name}}: {{value}}</li>{{/facts}}</ul></li>{{/reasons}}</ul>{{/hasReasons}}
    {{^hasReasons}}<p>None: every rule passed.</p>{{/hasReasons}}
    {{#hasChanges}}<h2>Changes to the message</h2><ul id="changes">{{#changes}}<li>{{kind}} {{url}}{{#replacement}} → {{replacement}}{{/replacement}}{{#detail}}: {{detail}}{{/detail}}</li>{{/changes}}</ul>{{/hasChanges}}
    <h2>Hash chain</h2><p>previous <code>{{previousHash}}</code><br>this <code>{{hash}}</code></p>
    <h2>The policy that decided</h2>
    {{#hasPolicy}}<p>The text of version <code>{{policy}}</code>; the lines of this decision's rules are highlighted.</p>
    <pre id="policy">{{#policyLines}}<span{{#marked}} class="marked"{{/marked}}>{{number}}  {{text}}</span>
    {{/policyLines}}</pre>{{/hasPolicy}}
    {{^hasPolicy}}<p>This store does not hold the text of that version.</p>{{/hasPolicy}}
    </main></body></html>
    """
}
