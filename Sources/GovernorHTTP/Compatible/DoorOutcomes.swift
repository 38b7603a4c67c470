import GovernorCore
import GovernorService

/// What became of a fanned-out request's recipients, each decision logged with its id as
/// `POST /v1/messages` logs it: the counts behind `X-Governor-Outcomes`.
struct DoorOutcomes {
  var outcomes: [Outcome] = []
  /// A message id reused for a different message, or a message refused as it was.
  var refused = 0
  var firstConflict: MessageIdConflict?
  var firstInvalid: InvalidRecord?
  /// The store failed: not decided, safe to send again.
  var failed = 0

  init(_ results: [BatchItemResult], key: APIKeyRecord, context: GatewayRequestContext) {
    for result in results {
      switch result {
      case .submitted(let submission):
        GatewayRoutes.log(submission, key: key, context: context)
        outcomes.append(submission.decision.outcome)
      case .conflict(let conflict):
        GatewayRoutes.log(conflict, key: key, context: context)
        refused += 1
        firstConflict = firstConflict ?? conflict
      case .invalid(let invalid):
        refused += 1
        firstInvalid = firstInvalid ?? invalid
      case .failed:
        failed += 1
      }
    }
  }

  /// An ESP's API refuses a request whole: when any message in it is invalid, every problem is
  /// answered and nothing is decided.
  static func checkWhole(_ messages: [AddressedMessage], _ gateway: Gateway)
    throws(CompatibleError)
  {
    let problems = gateway.problems(in: messages).compactMap { $0 }.flatMap(\.problems)
    guard problems.isEmpty else {
      throw CompatibleError(status: .badRequest, errors: problems.map { CompatibleError.Item($0) })
    }
  }

  /// Every message submitted as `POST /v1/messages/batch` submits them; a store that cannot
  /// be read, or a recipient that could not be decided, is `503` (sending again is safe).
  static func submit(
    _ messages: [AddressedMessage], _ gateway: Gateway, key: APIKeyRecord,
    context: GatewayRequestContext
  ) async throws -> DoorOutcomes {
    let results: [BatchItemResult]
    do {
      results = try await gateway.submitAddressed(messages.map { .success($0) })
    } catch {
      throw Problem.unavailable()
    }
    let done = DoorOutcomes(results, key: key, context: context)
    guard done.failed == 0 else { throw Problem.unavailable() }
    return done
  }

  /// `forwarded=3, blocked=2, deferred=1`, then `failed` and `refused` where there are any.
  var header: String { Self.header(outcomes, refused: refused) }

  static func header(_ outcomes: [Outcome], refused: Int) -> String {
    var parts = [Outcome.forwarded, .blocked, .deferred].map { outcome in
      "\(outcome.rawValue)=\(outcomes.count { $0 == outcome })"
    }
    let failed = outcomes.count { $0 == .failed }
    if failed > 0 { parts.append("failed=\(failed)") }
    if refused > 0 { parts.append("refused=\(refused)") }
    return parts.joined(separator: ", ")
  }
}
