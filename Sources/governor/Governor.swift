import ArgumentParser

@main
struct Governor: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "governor",
    abstract: "Mail Governor: consent, caps and tracking limits for every marketing message.",
    subcommands: [
      PolicyCommand.self, EvaluateCommand.self, DryRunCommand.self, AuditCommand.self,
      CustomerCommand.self,
      LedgerCommand.self, ComplianceCommand.self, ServeCommand.self, KeysCommand.self,
      UnsubscribeMailCommand.self, BackupCommand.self, RestoreCommand.self,
    ]
  )
}
