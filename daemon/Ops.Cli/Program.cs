using Ops.Cli.CommandLine;

return await OpsctlCommandLine.RunAsync(args);
