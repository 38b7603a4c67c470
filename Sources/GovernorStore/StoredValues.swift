import Foundation
import GovernorCore

/// Turning stored columns back into domain values, the same for every backend; a value the
/// domain cannot read is an error that names it, never a crash.
enum StoredValues {

  /// Lifts suppression `?3` and, as it holds for its address, the same suppression (reason and
  /// scope) recorded for that address under any other customer id: lifted for the address.
  static let liftSQL = """
    UPDATE suppression SET lifted_at = ?1, lifted_by = ?2
    WHERE lifted_at IS NULL AND (id = ?3 OR (address_key, reason, scope) = (
      SELECT address_key, reason, scope FROM suppression WHERE id = ?3 AND lifted_at IS NULL))
    """

  /// Where a customer's address change goes in their change log (`preference_event`), with
  /// the new address as its value (nil: cleared); the log is the customer's, erased with them.
  static let addressChangeKind = "email"

  /// The source of an address a customer first seen in a message takes from it.
  static func firstMessage(_ messageId: String) -> String { "first message \(messageId)" }
  static let importSource = "customer import"

  /// The source a suppression keeps once its customer is erased: the one it had may name them.
  static let keptAtErasure = "kept when the customer was erased"

  /// `PREFIX_` and 32 lowercase hex digits, as the ids have always looked: the first 48 bits
  /// are the milliseconds since 1970 and the other 80 random, as in a UUIDv7. Time first keeps
  /// each new id at the end of its unique index, where fully random ids landed on a random
  /// page of it and cost a page written to the log per decision. Not through `UUID()` and
  /// `replacingOccurrences`, which went through NSString and cost 4% of a decision's write.
  static func newId(_ prefix: String, at now: Date = Date()) -> String {
    var generator = SystemRandomNumberGenerator()
    let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
    let high = milliseconds << 16 | (generator.next() as UInt64) >> 48
    let low = generator.next() as UInt64
    return prefix + "_"
      + Hex.encode(withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) })
  }

  static let messageEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = .sortedKeys
    return encoder
  }()

  static func message(_ json: String) throws -> Message {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    do {
      return try decoder.decode(Message.self, from: Data(json.utf8))
    } catch {
      throw StoreError.badStoredValue("held message: \(error)")
    }
  }

  /// The message id an imported send gets: one per customer, place and time, so importing
  /// the same file twice fails on the ledger's key instead of doubling the history.
  static func importedSendId(customerId: String, index: Int, at: Date) -> String {
    "import:\(customerId):\(index):\(Int(at.timeIntervalSince1970))"
  }

  static func window(_ window: CapWindow) -> String {
    switch window {
    case .rolling(let seconds): return TimeSpan(seconds: seconds).description
    case .calendar(let unit): return unit.rawValue
    }
  }

  /// How a frequency preference reads in the preference log: `max 1 per week`, `max 2 within 7d`.
  static func describe(_ preference: FrequencyPreference?) -> String? {
    guard let preference else { return nil }
    switch preference.window {
    case .calendar(let unit): return "max \(preference.max) per \(unit.rawValue)"
    case .rolling: return "max \(preference.max) within \(window(preference.window))"
    }
  }

  static func window(parsing text: String) throws -> CapWindow {
    if let unit = CalendarUnit(rawValue: text) { return .calendar(unit) }
    if let span = TimeSpan(parsing: text), span.isFixed, span.seconds > 0 {
      return .rolling(seconds: span.seconds)
    }
    throw StoreError.badStoredValue("frequency window '\(text)'")
  }

  static func customer(
    id: String, email: String?, timeZone: String?, frequencyMax: Int?, frequencyWindow: String?
  ) throws -> CustomerState {
    var state = CustomerState(customerId: id, email: email)
    if let timeZone {
      guard let zone = Zone(identifier: timeZone) else {
        throw StoreError.badStoredValue("time zone '\(timeZone)'")
      }
      state.timeZone = zone
    }
    if let frequencyMax, let frequencyWindow {
      state.frequencyPreference = FrequencyPreference(
        max: frequencyMax, window: try window(parsing: frequencyWindow))
    }
    return state
  }

  static func consent(
    purpose: String, status: String, kind: String, at: Double, confirmedAt: Double?,
    source: String?, proof: String?, address: String?
  ) throws -> ConsentEvent {
    guard let status = ConsentEvent.Status(rawValue: status) else {
      throw StoreError.badStoredValue("consent status '\(status)'")
    }
    return ConsentEvent(
      purpose: purpose, status: status, kind: kind, at: Date(timeIntervalSince1970: at),
      confirmedAt: confirmedAt.map(Date.init(timeIntervalSince1970:)), source: source,
      proof: proof, address: address)
  }

  static func suppression(
    reason: String, scope: String, at: Double, source: String?, recordedFor: String? = nil
  ) throws -> Suppression {
    guard let reason = SuppressionReason(rawValue: reason) else {
      throw StoreError.badStoredValue("suppression reason '\(reason)'")
    }
    return Suppression(
      reason: reason, scope: scope == "all" ? .all : .category(scope),
      at: Date(timeIntervalSince1970: at), source: source, recordedFor: recordedFor)
  }
}
