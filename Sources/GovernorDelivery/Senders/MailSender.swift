import Foundation
import GovernorCore

/// Where allowed messages go: the mail sender behind the governor.
public protocol MailSender: Sendable {
  /// What `--sender` names, e.g. `webhook:http://127.0.0.1:9000/mail`.
  var description: String { get }
  /// Delivers one message; never throws: every failure is a `.failed` with its reason.
  /// `tracking`: what tracking of its own the sender may add; each sender tells its service
  /// not to add the rest.
  func deliver(_ message: Message, tracking: SenderTracking) async -> DeliveryResult
  /// The circuit breaker in front of the sender, for metrics; nil when it has none.
  var breaker: CircuitBreaker? { get }
  /// Whose templates the sender can be given (`SenderTemplate`): only the provider's own API
  /// renders them. Nil: none.
  var templates: SenderTemplate.Provider? { get }
}

extension MailSender {
  public var breaker: CircuitBreaker? { nil }
  public var templates: SenderTemplate.Provider? { nil }
}
