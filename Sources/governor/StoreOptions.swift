import ArgumentParser
import GovernorStore

/// `--store`, shared by every command that reads or writes state.
struct StoreOptions: ParsableArguments {
  @Option(help: "The store: a SQLite file path (created on first use).")
  var store: String = "./data/governor.sqlite"

  func open() throws -> any Store {
    if store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") {
      throw ValidationError(
        "--store: PostgreSQL is not available in this build yet; use a SQLite path")
    }
    return try SQLiteStore(path: store)
  }
}
