import Foundation
import GovernorCore
import GovernorService
import Mustache

/// The page behind `GET /u/TOKEN`: plain server-rendered HTML, no scripts, no external assets
/// (a mail client's browser may block them, and each would tell a third party the customer
/// opened it). Every control has a label and the result of a choice is announced through a
/// `role="status"` region, so it works with a screen reader and a keyboard alone. The region
/// is always in the page and shown only with something in it: empty, it was a green bar under
/// the address that said nothing.
struct PreferencePage {
  /// Frequency options offered on the page, by form value.
  static let frequencyOptions: [(value: String, label: String, preference: FrequencyPreference?)] =
    [
      ("any", "As often as the brand's own limits allow", nil),
      (
        "weekly", "At most one email a week",
        FrequencyPreference(max: 1, window: .rolling(seconds: 7 * 86_400))
      ),
      (
        "monthly", "At most one email a month",
        FrequencyPreference(max: 1, window: .rolling(seconds: 30 * 86_400))
      ),
    ]

  static let template: MustacheTemplate = {
    // swift-format-ignore: NeverUseForceTry
    // The template is a literal checked by every page test; it cannot fail at run time.
    try! MustacheTemplate(string: templateText)
  }()

  static func render(_ state: PreferenceState, token: String, notices: [String]) -> String {
    var frequencies = frequencyOptions.map { option -> [String: Any] in
      [
        "value": option.value, "label": option.label,
        "checked": option.preference == state.frequency,
      ]
    }
    if let current = state.frequency,
      !frequencyOptions.contains(where: { $0.preference == current })
    {
      frequencies.append(
        ["value": "keep", "label": "Keep my current limit (\(describe(current)))", "checked": true])
    }
    let scopeName: String? = {
      if case .category(let name) = state.grant.scope { return name }
      return nil
    }()
    var view: [String: Any] = [
      "token": token,
      "email": state.email ?? "",
      "notices": notices,
      "scopeName": scopeName ?? "",
      "hasScope": scopeName != nil,
      "unsubscribed": state.unsubscribedScopes.joined(separator: ", "),
      "isUnsubscribed": !state.unsubscribedScopes.isEmpty,
      "frequencies": frequencies,
      "trackingShown": state.trackingAllowed == true,
      "trackingAlreadyOff": state.trackingAllowed == false,
    ]
    view.merge(PreferenceRecord(state: state).view) { current, _ in current }
    return template.render(view)
  }

  static func describe(_ preference: FrequencyPreference) -> String {
    let unit = preference.max == 1 ? "email" : "emails"
    switch preference.window {
    case .calendar(let calendar): return "\(preference.max) \(unit) per \(calendar.rawValue)"
    case .rolling(let seconds):
      return "\(preference.max) \(unit) in \(TimeSpan(seconds: seconds).description)"
    }
  }

  static let templateText = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>Email preferences</title>
    <style>
    body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1a1a1a; }
    main { max-width: 34rem; margin: 0 auto; }
    fieldset { border: 1px solid #767676; border-radius: .5rem; margin: 1rem 0; padding: 1rem; }
    legend { font-weight: 600; padding: 0 .25rem; }
    button { font: inherit; padding: .5rem 1rem; margin: .25rem 0; border-radius: .375rem;
      border: 2px solid #1a1a1a; background: #fff; cursor: pointer; }
    button.primary { background: #1a1a1a; color: #fff; }
    button:focus-visible, input:focus-visible { outline: 3px solid #005fcc; outline-offset: 2px; }
    [role=status] { background: #e8f4ea; border-left: 4px solid #2e7d32; padding: .5rem 1rem; }
    [role=status]:empty { display: none; }
    section { border-top: 1px solid #d0d0d0; margin-top: 1.5rem; }
    h2 { font-size: 1.2rem; } h3 { font-size: 1rem; margin-bottom: .25rem; }
    ul { padding-left: 1.25rem; margin-top: .25rem; } .told { color: #444; }
    </style>
    </head>
    <body>
    <main>
    <h1>Email preferences</h1>
    {{#email}}<p>For <strong>{{email}}</strong></p>{{/email}}
    <div role="status" id="status">{{#notices}}<p>{{.}}</p>{{/notices}}</div>
    {{#isUnsubscribed}}<p id="unsubscribed">You are unsubscribed from: {{unsubscribed}}.</p>{{/isUnsubscribed}}
    <form method="post" action="/u/{{token}}">
    <fieldset>
    <legend>Stop emails</legend>
    {{#hasScope}}<p><button type="submit" name="choice" value="unsubscribe_scope" id="unsubscribe-scope">Unsubscribe from {{scopeName}} emails</button></p>{{/hasScope}}
    <p><button type="submit" name="choice" value="unsubscribe_all" id="unsubscribe-all">Unsubscribe from everything</button></p>
    <p>Receipts and account messages you ask for still arrive.</p>
    </fieldset>
    </form>
    <form method="post" action="/u/{{token}}">
    <fieldset>
    <legend>How often</legend>
    {{#frequencies}}
    <div><input type="radio" name="frequency" id="frequency-{{value}}" value="{{value}}"{{#checked}} checked{{/checked}}> <label for="frequency-{{value}}">{{label}}</label></div>
    {{/frequencies}}
    </fieldset>
    <fieldset>
    <legend>Tracking</legend>
    {{#trackingShown}}<div><input type="checkbox" name="tracking_off" id="tracking-off" value="1"> <label for="tracking-off">Do not track when I open an email or click a link</label></div>{{/trackingShown}}
    {{#trackingAlreadyOff}}<p id="tracking-is-off">Open and click tracking is off for you.</p>{{/trackingAlreadyOff}}
    {{^trackingShown}}{{^trackingAlreadyOff}}<p>We do not track your opens or clicks.</p>{{/trackingAlreadyOff}}{{/trackingShown}}
    </fieldset>
    <p><button type="submit" class="primary" name="choice" value="save" id="save">Save preferences</button></p>
    </form>
    <section aria-labelledby="record">
    <h2 id="record">What we hold about you</h2>
    <h3>What you agreed to</h3>
    {{#hasConsents}}<ul id="consents">{{#consents}}<li>{{sentence}}.{{#hasProof}} <span class="told">What you were told: “{{proof}}”</span>{{/hasProof}}</li>{{/consents}}</ul>{{/hasConsents}}
    {{^hasConsents}}<p id="consents">No consent on record.</p>{{/hasConsents}}
    <h3>What stops our emails</h3>
    {{#hasSuppressions}}<ul id="suppressions">{{#suppressions}}<li>{{.}}</li>{{/suppressions}}</ul>{{/hasSuppressions}}
    {{^hasSuppressions}}<p id="suppressions">Nothing: you get the emails you agreed to.</p>{{/hasSuppressions}}
    <h3>How much we may send you</h3>
    <ul id="limits">{{#limits}}<li>{{.}}</li>{{/limits}}</ul>
    <h3>What you received in the last {{recentDays}} days</h3>
    {{#hasRecent}}<ul id="received">{{#recent}}<li>{{.}}</li>{{/recent}}</ul>{{/hasRecent}}
    {{^hasRecent}}<p id="received">No email.</p>{{/hasRecent}}
    <p id="tracking-state">{{#trackingOn}}Open and click tracking is on for you.{{/trackingOn}}{{^trackingOn}}Open and click tracking is off for you.{{/trackingOn}}</p>
    </section>
    </main>
    </body>
    </html>

    """
}
