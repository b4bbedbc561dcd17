using FedActors.Cli;

return CliApp.Run(args, new SystemConsole());
