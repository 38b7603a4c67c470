import Foundation
import GovernorCore
import GovernorDelivery
import GovernorStore
import Tracing

/// What happened to one submitted message.
public struct Submission: Sendable {
  /// The decision as the audit log holds it (canonical JSON): a repeated request gets the
  /// very same bytes back.
  public var decision: AuditEntry
  /// How forwarding ended; nil when the message was not forwarded now, or for a repeat.
  public var delivery: DeliveryResult?
  /// True when the message id had been decided before: nothing was decided or sent again.
  public var repeated: Bool
}

/// The pipeline every message goes through, with no HTTP in it: validate, decide and reserve
/// (one store transaction), record the decision in the audit log, then forward, hold or drop.
/// Every front door calls it (GovernorHTTP's routes); it keeps its store and sender to
/// itself, so no door can reach past it. Tests call it directly.
public struct Gateway: Sendable {
  let store: any Store
  /// The policy compiled; `engine` adds the current reputation book to it.
  let compiled: Engine
  /// The brakes on the whole mailing, refreshed from the delivery counts.
  public let reputation: ReputationMonitor
  let validator: RecordValidator
  let sender: any MailSender
  public let clock: @Sendable () -> Date
  let metrics: GatewayMetrics
  /// Signs the links in `List-Unsubscribe` and checks them when they come back.
  public let unsubscribeTokens: UnsubscribeTokens
  /// API keys recently checked against the store.
  public let keys: APIKeyCache
  /// How long a request waits for the store before it is answered as unavailable.
  public let storeDeadline: StoreDeadline
  /// Logs and counts requests the store could not serve.
  public let outages: StoreOutageLog
  /// Client addresses that keep presenting no valid key.
  public let failedAuthentications: FailedAuthentications
  /// Derives the SES-compatible routes' credentials; nil: those routes refuse every request.
  public let aws: AWSCredentials?
  let listUnsubscribe: ListUnsubscribe?
  /// Fetches an SNS `SubscribeURL` (true when SNS answered 2xx); nil: subscriptions are not
  /// confirmed. Called through `confirmSNSSubscription`, which lets only Amazon's SNS hosts
  /// (and `trustedSNSHosts`) through, so a forged confirmation cannot make the gateway fetch
  /// an arbitrary URL.
  public let confirmSubscription: (@Sendable (String) async -> Bool)?
  /// Hosts (`host[:port]`, an SNS emulator) whose `SubscribeURL`s are fetched besides
  /// Amazon's own.
  public let trustedSNSHosts: [String]
  /// Checks SendGrid's signature on each event batch; nil: batches are taken on the API key
  /// alone.
  public let sendGridEvents: SendGridEventSignature?
  /// Checks SNS's signature on each SES notification and subscription message; nil: they are
  /// taken on the API key alone.
  public let snsEvents: SNSMessageSignature?
  /// The file of the policy in force: `POST /v1/policy/check` reads the tracker lists a
  /// checked policy names from its folder, as a restart with it would. Nil: lists cannot be
  /// read.
  let policyFile: String?

  /// `unsubscribeTokens` defaults to a secret that dies with the process: right for tests,
  /// wrong for a server whose links must work next week (`governor serve` passes its own).
  public init(
    store: any Store, policy: Policy, sender: any MailSender,
    metrics: GatewayMetrics = GatewayMetrics(),
    unsubscribeTokens: UnsubscribeTokens = .ephemeral(),
    confirmSubscription: (@Sendable (String) async -> Bool)? = nil,
    trustedSNSHosts: [String] = [],
    policyFile: String? = nil, aws: AWSCredentials? = nil,
    sendGridEvents: SendGridEventSignature? = nil,
    snsEvents: SNSMessageSignature? = nil,
    failedAuthentications: FailedAuthentications = FailedAuthentications(),
    storeDeadline: StoreDeadline = StoreDeadline(),
    clock: @escaping @Sendable () -> Date = { Date() }
  ) {
    let storeDeadline = storeDeadline.applied(to: store)
    self.storeDeadline = storeDeadline
    self.failedAuthentications = failedAuthentications
    self.aws = aws
    self.sendGridEvents = sendGridEvents
    self.snsEvents = snsEvents
    self.confirmSubscription = confirmSubscription
    self.trustedSNSHosts = trustedSNSHosts
    self.policyFile = policyFile
    self.store = store
    self.keys = APIKeyCache(store: store, deadline: storeDeadline)
    self.metrics = metrics
    self.outages = StoreOutageLog(metrics: metrics)
    self.unsubscribeTokens = unsubscribeTokens
    self.listUnsubscribe = policy.headers.listUnsubscribe.map(ListUnsubscribe.init(policy:))
    self.compiled = Engine(policy: policy)
    self.reputation = ReputationMonitor(policy: policy)
    self.validator = RecordValidator(policy: policy)
    self.sender = sender
    self.clock = clock
  }

  /// The engine every decision is made with: the policy and the brakes in force now.
  var engine: Engine {
    guard reputation.isEnabled else { return compiled }
    var engine = compiled
    engine.reputation = reputation.book
    return engine
  }

  /// Throws `InvalidRecord` (nothing stored) for a message that cannot be sent as given.
  public func submit(_ incoming: Message) async throws -> Submission {
    let now = clock()
    var message = try checked(incoming, now: now)
    // The client does not get to say when we received it: max_delay counts from here, or
    // from the time it scheduled the message for.
    message.receivedAt = max(now, message.sendAt ?? now)
    // Decision, cap slot and audit row in one transaction. One decision per message id,
    // even when duplicates race: the loser gets the winner's.
    let decided: DecidedMessage
    let (store, engine, checkedMessage) = (store, engine, message)
    do {
      decided = try await Spans.run("governor.decide") { span in
        let decided = try await storeDeadline.run {
          try await store.decide(checkedMessage, engine: engine, at: now)
        }
        span.attributes["governor.decision_id"] = decided.entry.id
        span.attributes["governor.outcome"] = decided.decision?.outcome.rawValue ?? "repeated"
        DecisionTrail.current?.add(decided.entry.id)
        return decided
      }
    } catch let conflict as MessageIdConflict {
      metrics.messageIdReused()
      throw conflict
    }
    guard let decision = decided.decision else {
      return Submission(decision: decided.entry, delivery: nil, repeated: true)
    }
    return try await carryOut(decided, decision, message)
  }

  /// The message as the validator leaves it, refused also when it names a template the
  /// configured sender cannot render (only the provider's own API can).
  func checked(_ message: Message, now: Date) throws(InvalidRecord) -> Message {
    let checked = try validator.message(message)
    if let sendAt = checked.sendAt, sendAt > now.addingTimeInterval(Self.furthestSchedule) {
      throw InvalidRecord(
        field: "send_at",
        problem: "is more than 72 hours ahead; schedule it closer (as SendGrid and Mailgun "
          + "require), or send it later")
    }
    if let template = checked.template, sender.templates != template.provider {
      throw InvalidRecord(
        field: "template",
        problem: "a \(template.provider.rawValue) template is rendered only by that provider: "
          + "this gateway sends through \(sender.description); start it with --sender "
          + "\(template.provider.rawValue):URL, or send the body itself")
    }
    return checked
  }

  /// How far ahead a client may schedule a message: SendGrid's and Mailgun's own limit.
  public static let furthestSchedule: TimeInterval = 72 * 3_600

  /// What follows a new decision: forward a message that may go (once), and nothing else —
  /// a deferred message was queued in the decision's own transaction.
  func carryOut(_ decided: DecidedMessage, _ decision: Decision, _ message: Message) async throws
    -> Submission
  {
    metrics.decided(decision)
    switch decision.outcome {
    case .forwarded where decided.reserved:
      let started = ContinuousClock.now
      let delivery = await Spans.run("governor.forward", kind: .client) { span in
        span.attributes["governor.decision_id"] = decided.entry.id
        // The kind only (`webhook`, `sendgrid`, …): the rest is an address an operator chose.
        span.attributes["governor.sender"] = String(sender.description.prefix { $0 != ":" })
        let delivery = await sender.deliver(
          outgoing(message, decision), tracking: decision.senderTracking)
        span.attributes["governor.delivery"] = delivery.spanResult
        span.attributes["governor.attempts"] = delivery.attempts
        if case .delivered = delivery {} else { span.setStatus(SpanStatus(code: .error)) }
        return delivery
      }
      metrics.forwarded(delivery, after: ContinuousClock.now - started)
      await completeOrRetry(message.id, delivery)
      return Submission(decision: decided.entry, delivery: delivery, repeated: false)
    case .forwarded:
      // The ledger already holds this id (reserved before it had a decision): never send twice.
      return Submission(decision: decided.entry, delivery: nil, repeated: true)
    case .deferred, .blocked, .failed:
      return Submission(decision: decided.entry, delivery: nil, repeated: false)
    }
  }

  /// The message as it leaves, with the unsubscribe and feedback headers its decision says it
  /// gets.
  func outgoing(_ message: Message, _ decision: Decision) -> Message {
    var message = message
    if let html = decision.rewrittenHTML { message.html = html }
    if let text = decision.rewrittenText { message.text = text }
    // The policy's Feedback-ID replaces the campaign tool's: one value per mailing, and never
    // one that names the recipient.
    if let feedback = decision.modifications.first(where: { $0.kind == FeedbackID.added }),
      let value = feedback.detail
    {
      message.headers = message.headers.filter {
        !MIMEHeader.sameName($0.key, FeedbackID.headerName)
      }
      message.headers[FeedbackID.headerName] = value
    }
    guard let listUnsubscribe,
      decision.modifications.contains(where: {
        $0.kind == ListUnsubscribe.added || $0.kind == ListUnsubscribe.replaced
      })
    else { return message }
    var outgoing = message
    outgoing.headers = message.headers.filter {
      !MIMEHeader.sameName($0.key, ListUnsubscribe.headerName)
        && !MIMEHeader.sameName($0.key, ListUnsubscribe.postHeaderName)
    }
    let token = unsubscribeTokens.token(
      for: UnsubscribeGrant(customerId: message.customerId, scope: .category(message.category)))
    for (name, value) in listUnsubscribe.headers(token: token) {
      outgoing.headers[name] = value
    }
    return outgoing
  }

  /// Records the send's outcome. The message has left by now: a store that cannot take the
  /// record (a full disk, PostgreSQL restarting) must not turn that into an error the client
  /// would retry, so the record is written again every second in the background until it
  /// takes. Until then the send counts against the caps as reserved; a process that dies
  /// first leaves it for `governor ledger review`.
  func completeOrRetry(_ messageId: String, _ delivery: DeliveryResult) async {
    let gateway = self
    let first: Void? = try? await storeDeadline.run {
      try await gateway.complete(messageId, delivery)
    }
    guard first == nil else { return }
    metrics.completionDelayed()
    Task {
      while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(1))
        let done: Void? = try? await gateway.storeDeadline.run {
          try await gateway.complete(messageId, delivery)
        }
        if done != nil { return }
      }
    }
  }

  /// Records the send's outcome; a failed delivery releases its cap slot, an unknown one keeps it.
  func complete(_ messageId: String, _ delivery: DeliveryResult) async throws {
    switch delivery {
    case .delivered(let reference, let attempts):
      try await store.completeReservation(
        messageId: messageId, outcome: .sent, at: clock(),
        detail: "delivered after \(attempts) attempt(s)"
          + (reference.map { "; reference \($0)" } ?? ""))
    case .failed(let reason, let attempts):
      try await store.completeReservation(
        messageId: messageId, outcome: .failed, at: clock(),
        detail: "\(reason) (after \(attempts) attempt(s))")
    case .unknown(let reason, let attempts):
      // Counts against the caps and is listed by `governor ledger list --status unknown`.
      try await store.completeReservation(
        messageId: messageId, outcome: .unknown, at: clock(),
        detail: "no answer from the mail sender: \(reason) (after \(attempts) attempt(s))")
    }
  }
}

extension Gateway {
  /// `work` on the store, within the gateway's store deadline: every route waits for
  /// PostgreSQL at most that long while it is down, and answers 503.
  func bounded<T: Sendable>(_ work: @escaping @Sendable (any Store) async throws -> T)
    async throws -> T
  {
    let store = store
    return try await storeDeadline.run { try await work(store) }
  }
}
