using Ops.Daemon.Cli;

return await DaemonCommandLine.RunAsync(args);
