import Foundation
import GovernorStore
import Testing

@Suite("Store contract: API keys' lifecycle")
struct APIKeyLifecycleStoreTests {
  @Test(
    "keys are listed with expiry and last use, and revoked once", arguments: StoreBackend.available)
  func lifecycle(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      let created = Date(timeIntervalSince1970: 1_795_000_000)
      let key = APIKeyRecord(
        id: "k1", name: "crm", scopes: ["send"], secretHash: "ab", createdAt: created,
        expiresAt: created + 90 * 86_400)
      try await store.saveAPIKey(key)
      try await store.saveAPIKey(
        APIKeyRecord(
          id: "k2", name: "ops", scopes: ["admin"], secretHash: "cd", createdAt: created + 1))
      try await store.noteAPIKeyUsed(id: "k1", at: created + 60)
      try await store.noteAPIKeyUsed(id: "k1", at: created + 30)
      var listed = try await store.apiKeys()
      #expect(listed.map(\.id) == ["k1", "k2"])
      #expect(listed[0].expiresAt == created + 90 * 86_400)
      #expect(listed[0].lastUsedAt == created + 60, "the latest use stays")
      #expect(listed[1].expiresAt == nil && listed[1].lastUsedAt == nil)
      #expect(listed[0].isLive(at: created + 89 * 86_400))
      #expect(!listed[0].isLive(at: created + 90 * 86_400))

      #expect(try await store.revokeAPIKey(id: "k1", at: created + 120))
      #expect(try await store.revokeAPIKey(id: "k1", at: created + 180) == false)
      #expect(try await store.revokeAPIKey(id: "nope", at: created) == false)
      #expect(try await store.apiKey(id: "k1") == nil)
      listed = try await store.apiKeys()
      #expect(listed[0].revokedAt == created + 120)
      #expect(try await store.apiKey(id: "k2") != nil)
    }
  }
}
