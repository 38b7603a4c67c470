import GovernorStore

// The store's record types that the service's answers are made of. Front doors name them
// through the service and never import GovernorStore, so none of them can reach past the
// pipeline to the store itself.
public typealias AuditEntry = GovernorStore.AuditEntry
public typealias APIKeyRecord = GovernorStore.APIKeyRecord
public typealias DecisionQuery = GovernorStore.DecisionQuery
public typealias RecordedDecision = GovernorStore.RecordedDecision
public typealias PolicyExcerpt = GovernorStore.PolicyExcerpt
