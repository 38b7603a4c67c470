import Foundation
import GovernorCore
import GovernorStore

/// A message from a door that names its recipient by address (SMTP, the ESP APIs). The
/// customer is given where the client says it (SendGrid's `custom_args.customer_id`, Mailgun's
/// `v:customer_id`); else it is the one the store knows by the address, or, for an address it
/// does not know, a customer of its own with the address as id and no consent.
public struct AddressedMessage: Sendable {
  public var message: Message
  public var customerGiven: Bool
  /// Consent the client's own records carry for this recipient (listmonk's subscriber
  /// attributes): recorded for the customer, as given for `message.to`, before the decision.
  public var consents: [ConsentEvent]

  /// `message.customerId` is read only when `customerGiven`.
  public init(_ message: Message, customerGiven: Bool, consents: [ConsentEvent] = []) {
    self.message = message
    self.customerGiven = customerGiven
    self.consents = consents
  }
}

extension Gateway {
  /// Every message decided, recorded and forwarded by `submit`, exactly as
  /// `POST /v1/messages/batch` does it, once each recipient's customer is known. Results are in
  /// the order given.
  public func submitAddressed(
    _ items: [Result<AddressedMessage, InvalidRecord>], concurrency: Int = 32
  ) async throws(MailRefusal) -> [BatchItemResult] {
    let resolved = try await resolvingCustomers(items)
    for (item, message) in zip(items, resolved) {
      guard case .success(let addressed) = item, !addressed.consents.isEmpty,
        case .success(let message) = message
      else { continue }
      let gateway = self
      do {
        try await storeDeadline.run {
          try await gateway.recordCarried(addressed.consents, customerId: message.customerId)
        }
      } catch {
        throw .storeUnavailable
      }
    }
    return await submitAll(resolved, concurrency: concurrency)
  }

  /// Records consent a client carries with each message, once: an event the customer's
  /// history already holds (same purpose, status, time and address) is not added again, so
  /// the same attributes on every campaign's push add nothing. Each keeps its own time, so an
  /// old grant carried again never outranks a later withdrawal.
  func recordCarried(_ events: [ConsentEvent], customerId: String) async throws {
    let held = try await store.customerState(customerId, sendsSince: clock())?.consents ?? []
    for event in events
    where !held.contains(where: {
      // The store keeps whole seconds.
      $0.purpose == event.purpose && $0.status == event.status
        && $0.at.timeIntervalSince1970.rounded(.down)
          == event.at.timeIntervalSince1970.rounded(.down)
        && $0.address.map { Mailbox.sameAddress($0, event.address ?? "") } ?? false
    }) {
      try await store.recordConsent(
        validator.consent(event, now: clock()), customerId: customerId)
    }
  }

  /// What is wrong with each message (nil: nothing), checked as `submit` checks it, before
  /// anything is decided: an ESP's API refuses a request whole (SendGrid answers 400 and
  /// sends nothing), so every recipient is checked before any is sent to.
  public func problems(in messages: [AddressedMessage]) -> [InvalidRecord?] {
    messages.map { addressed -> InvalidRecord? in
      var message = addressed.message
      // The customer is found later, by the address; any id stands in for the check.
      if !addressed.customerGiven { message.customerId = message.to }
      do throws(InvalidRecord) {
        _ = try checked(message, now: clock())
        for event in addressed.consents { _ = try validator.consent(event, now: clock()) }
        return nil
      } catch {
        return error
      }
    }
  }

  /// What each message would get now, recording and sending nothing: decided as a dry-run
  /// decides a campaign's recipient (`CampaignDryRun`), for a client's test mode (SendGrid's
  /// sandbox).
  public func previewAddressed(_ items: [Result<AddressedMessage, InvalidRecord>])
    async throws(MailRefusal) -> [Result<Decision, InvalidRecord>]
  {
    let now = clock()
    var results: [Result<Decision, InvalidRecord>] = []
    for item in try await resolvingCustomers(items) {
      do {
        let message = try checked(try item.get(), now: now)
        // A scheduled message is previewed as it will be decided: at its time.
        let at = max(now, message.sendAt ?? now)
        var campaign = Campaign(
          id: message.campaignId ?? "preview", category: message.category, sendAt: at,
          from: message.from, subject: message.subject, html: message.html,
          text: message.text, recipients: [])
        campaign.template = message.template
        var run = CampaignDryRun(engine: engine, campaign: campaign, at: at)
        let recipient = Recipient(customerId: message.customerId, email: message.to)
        guard let decision = try await run.decide([recipient], store: store).first else {
          throw MailRefusal.storeUnavailable
        }
        results.append(.success(decision))
      } catch let invalid as InvalidRecord {
        results.append(.failure(invalid))
      } catch {
        throw .storeUnavailable
      }
    }
    return results
  }

  private func resolvingCustomers(_ items: [Result<AddressedMessage, InvalidRecord>])
    async throws(MailRefusal) -> [Result<Message, InvalidRecord>]
  {
    // Every address to look up, in one read of the store's address index.
    let addresses = items.compactMap { item -> String? in
      guard case .success(let addressed) = item, !addressed.customerGiven else { return nil }
      return addressed.message.to
    }
    let known: [String: [String]]
    do {
      let store = store
      known =
        addresses.isEmpty
        ? [:] : try await storeDeadline.run { try await store.customerIds(emails: addresses) }
    } catch {
      throw .storeUnavailable
    }
    return items.map { item in
      item.map { addressed in
        var message = addressed.message
        if !addressed.customerGiven {
          let address = message.to.lowercased()
          message.customerId = known[address]?.sorted().first ?? address
        }
        return message
      }
    }
  }
}
