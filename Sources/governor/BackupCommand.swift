import ArgumentParser
import Foundation
import GovernorStore

/// `governor backup` and `governor restore`: a SQLite store copied online, and put back.
struct BackupCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Copy a SQLite store while gateways use it (SQLite's online backup).",
    discussion: """
      The copy is the store as of one committed transaction: every decision answered before \
      the copy started is in it. It is checked (PRAGMA integrity_check) before it is put at \
      FILE, which must not exist. A PostgreSQL store is backed up with pg_dump (README).
      """
  )

  @OptionGroup var options: StoreOptions
  @Argument(help: "Where the copy goes (a new file).") var file: String

  func run() async throws {
    guard case .sqlite(let path) = options.location else {
      printError(
        "governor backup copies SQLite stores; back up PostgreSQL with pg_dump (see README)")
      throw ExitCode(2)
    }
    let started = Date()
    do {
      let summary = try SQLiteBackup.copy(from: path, to: file)
      print(
        "backed up \(path) to \(file): \(summary.decisions) decisions, \(summary.bytes) bytes, "
          + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    } catch let failure as SQLiteBackup.Failure {
      printError(failure.description)
      throw ExitCode(1)
    }
  }
}

struct RestoreCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Put a backup in place as a new SQLite store (checked first).",
    discussion: """
      --store names where the restored store goes; it must not exist (stop the gateway and \
      move the damaged store away first). Start `governor serve --store` on it afterwards; \
      decisions made after the backup was taken are not in it.
      """
  )

  @OptionGroup var options: StoreOptions
  @Argument(help: "The backup file.") var file: String

  func run() async throws {
    guard case .sqlite(let path) = options.location else {
      printError("governor restore writes SQLite stores; restore PostgreSQL with pg_restore")
      throw ExitCode(2)
    }
    do {
      let summary = try SQLiteBackup.restore(from: file, to: path)
      print("restored \(file) to \(path): \(summary.decisions) decisions")
    } catch let failure as SQLiteBackup.Failure {
      printError(failure.description)
      throw ExitCode(1)
    }
  }
}
