using Ops.Daemon.CommandLine;

return await DaemonCommandLine.RunAsync(args);
