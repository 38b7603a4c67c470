import Foundation

/// Checks consent events, suppressions and customer profiles against the active policy before
/// they are stored: a consent for a purpose the policy does not know, or a time in the future
/// beyond clock skew, would otherwise sit in the store looking like evidence.
public struct RecordValidator: Sendable {
  /// How far ahead of our clock a sender's clock may run before its times are refused.
  public static let defaultClockSkew: TimeInterval = 5 * 60

  let policy: Policy
  let clockSkew: TimeInterval

  public init(policy: Policy, clockSkew: TimeInterval = Self.defaultClockSkew) {
    self.policy = policy
    self.clockSkew = clockSkew
  }

  public func consent(_ event: ConsentEvent, now: Date) throws(InvalidRecord)
    -> Validated<ConsentEvent>
  {
    var problems: [FieldProblem] = []
    let purposes = policy.consent.purposes.map(\.name)
    if !purposes.contains(event.purpose) {
      problems.append(
        FieldProblem(
          field: "purpose",
          problem: "'\(event.purpose)' is not a purpose of policy '\(policy.name)' "
            + "(\(purposes.joined(separator: ", ")))"
            + Spelling.hint(for: event.purpose, among: purposes)))
    }
    let kinds = policy.consent.kinds.map(\.name)
    if !kinds.contains(event.kind) {
      problems.append(
        FieldProblem(
          field: "kind",
          problem: "'\(event.kind)' is not a kind of consent in policy '\(policy.name)' "
            + "(\(kinds.joined(separator: ", ")))" + Spelling.hint(for: event.kind, among: kinds)))
    }
    problems += notInFuture(event.at, field: "at", now: now)
    if let confirmedAt = event.confirmedAt {
      problems += notInFuture(confirmedAt, field: "confirmed_at", now: now)
      if confirmedAt < event.at {
        problems.append(
          FieldProblem(field: "confirmed_at", problem: "is before the consent it confirms (at)"))
      }
    }
    if event.status == .granted, (event.source ?? "").trimmed.isEmpty {
      problems.append(
        FieldProblem(
          field: "source",
          problem: "is required for granted consent: where the customer gave it "
            + "(GDPR Art. 7(1): the consent must be demonstrable)"))
    }
    var checked = event
    if let address = event.address {
      do {
        checked.address = try self.address(address, field: "address")
      } catch {
        problems += error.problems
      }
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    return Validated(checked, at: now)
  }

  /// One mailbox (RFC 5322 `addr-spec` or `Name <addr-spec>`), returned as its bare address:
  /// what consent and a customer's address are recorded as.
  public func address(_ value: String, field: String) throws(InvalidRecord) -> String {
    do {
      return try Mailbox(parsing: value).address
    } catch {
      throw InvalidRecord(field: field, problem: "'\(value)' is not one email address: \(error)")
    }
  }

  public func suppression(_ suppression: Suppression, now: Date) throws(InvalidRecord)
    -> Validated<Suppression>
  {
    var problems = notInFuture(suppression.at, field: "at", now: now)
    if case .category(let name) = suppression.scope {
      let names = policy.categories.map(\.name)
      if !names.contains(name) {
        problems.append(
          FieldProblem(
            field: "scope",
            problem: "'\(name)' is neither 'all' nor a category of policy '\(policy.name)'"
              + Spelling.hint(for: name, among: names)))
      }
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    return Validated(suppression, at: now)
  }

  /// A whole customer brought in from elsewhere (`governor customer import`): the profile,
  /// every consent event and suppression as they would be checked one by one, and past sends
  /// (not in the future, in a category of the policy). Fields are named with their place:
  /// `consents[2].source`.
  public func customer(_ state: CustomerState, now: Date) throws(InvalidRecord)
    -> Validated<CustomerState>
  {
    var problems: [FieldProblem] = []
    func collect(_ prefix: String, _ check: () throws(InvalidRecord) -> Void) {
      do {
        try check()
      } catch {
        problems += error.problems.map {
          FieldProblem(field: prefix + $0.field, problem: $0.problem)
        }
      }
    }
    collect("") { () throws(InvalidRecord) in
      _ = try profile(
        CustomerProfile(
          id: state.customerId, email: state.email, timeZone: state.timeZone?.identifier,
          frequencyPreference: state.frequencyPreference))
    }
    for (index, event) in state.consents.enumerated() {
      collect("consents[\(index)].") { () throws(InvalidRecord) in
        _ = try consent(event, now: now)
      }
    }
    for (index, entry) in state.suppressions.enumerated() {
      collect("suppressions[\(index)].") { () throws(InvalidRecord) in
        _ = try suppression(entry, now: now)
      }
    }
    let categories = policy.categories.map(\.name)
    for (index, send) in state.sends.enumerated() {
      problems += notInFuture(send.at, field: "sends[\(index)].at", now: now)
      if !categories.contains(send.category) {
        problems.append(
          FieldProblem(
            field: "sends[\(index)].category",
            problem: "'\(send.category)' is not a category of policy '\(policy.name)'"
              + Spelling.hint(for: send.category, among: categories)))
      }
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    return Validated(state)
  }

  public func profile(_ profile: CustomerProfile) throws(InvalidRecord)
    -> Validated<CustomerProfile>
  {
    var problems: [FieldProblem] = []
    if profile.id.trimmed.isEmpty {
      problems.append(FieldProblem(field: "id", problem: "must not be empty"))
    }
    if let email = profile.email, !Self.looksLikeAddress(email) {
      problems.append(FieldProblem(field: "email", problem: "'\(email)' is not an email address"))
    }
    if let zone = profile.timeZone, Zone(identifier: zone) == nil {
      problems.append(
        FieldProblem(
          field: "time_zone", problem: "'\(zone)' is not an IANA time zone such as Europe/Madrid"))
    }
    if let preference = profile.frequencyPreference {
      if preference.max < 0 {
        problems.append(
          FieldProblem(field: "frequency_preference.max", problem: "must be 0 or more"))
      }
      if case .rolling(let seconds) = preference.window, seconds <= 0 {
        problems.append(
          FieldProblem(field: "frequency_preference.within", problem: "must be longer than zero"))
      }
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    return Validated(profile)
  }

  private func notInFuture(_ time: Date, field: String, now: Date) -> [FieldProblem] {
    guard time.timeIntervalSince(now) > clockSkew else { return [] }
    return [
      FieldProblem(
        field: field,
        problem: "\(time.formatted(.iso8601)) is in the future (now is "
          + "\(now.formatted(.iso8601)); clocks may differ by \(Int(clockSkew)) s at most)")
    ]
  }

  /// Only the shape RFC 5321 needs to route: one `@` with something on both sides, no spaces.
  /// Read as bytes, with Unicode's whitespace looked up only for non-ASCII text: splitting
  /// and walking `Character`s was 2% of the gateway's CPU.
  static func looksLikeAddress(_ text: String) -> Bool {
    var at: Int?
    var dotAfterAt = false
    var ascii = true
    for (index, byte) in text.utf8.enumerated() {
      switch byte {
      case UInt8(ascii: "@"):
        guard at == nil else { return false }
        at = index
      case UInt8(ascii: "."): dotAfterAt = dotAfterAt || at != nil
      case 0x09...0x0D, 0x20: return false
      case 0x80...: ascii = false
      default: break
      }
    }
    guard let at, at > 0, dotAfterAt else { return false }
    return ascii || !text.unicodeScalars.contains { $0.properties.isWhitespace }
  }
}

extension String {
  /// Without Foundation's `trimmingCharacters`, which goes through NSString and was 3% of the
  /// gateway's CPU on every field of every message.
  var trimmed: String {
    guard let first = utf8.first, let last = utf8.last,
      Self.isTrimmable(first) || Self.isTrimmable(last)
    else { return self }
    return String(trimmingWhitespace())
  }

  private static func isTrimmable(_ byte: UInt8) -> Bool {
    byte == 0x20 || (0x09...0x0D).contains(byte) || byte >= 0x80
  }
}
