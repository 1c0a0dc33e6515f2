return RulesSync.Runner.Cli.RulesyncCli.Run(args);
