import ArgumentParser
import GovernorStore

/// `--store`, shared by every command that reads or writes state.
struct StoreOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The store: a SQLite file path (created on first use) or a PostgreSQL URL.",
      valueName: "path|postgres://user@host:port/db"))
  var store: String = StoreLocation.defaultPath

  var location: StoreLocation { StoreLocation(store) }

  func withStore<T: Sendable>(_ body: (any Store) async throws -> T) async throws -> T {
    try await location.withStore(body)
  }
}
