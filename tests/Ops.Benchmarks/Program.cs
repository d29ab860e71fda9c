using Ops.Benchmarks;

return await BenchRunner.RunAsync(args);
