// Ops build: ./build.sh --target=<Clean|Build|Test|Bench> [--configuration=Release]
#load "build/paths.cake"
#load "build/test.cake"

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");

Setup(context => Information("Ops build: target {0}, configuration {1}", target, configuration));

Task("Clean")
    .Does(() =>
{
    CleanDirectories("./daemon/**/bin/" + configuration);
    CleanDirectories("./tests/**/bin/" + configuration);
    CleanDirectory(Paths.Artifacts);
});

Task("Build")
    .Does(() =>
{
    DotNetBuild(Paths.Solution, new DotNetBuildSettings { Configuration = configuration });
})
    .OnError(ex => throw new CakeException($"Build failed: {ex.Message}. Run `dotnet build {Paths.Solution}` to see every compiler error."));

Task("Test")
    .IsDependentOn("Build")
    .Does(() => RunTests(Context, configuration));

// ./build.sh --target=Bench [--bench=all|restart-latency|footprint|micro]; reports in artifacts/bench/.
// DotNetRun puts the "--" before the program's arguments itself; Release always, BenchmarkDotNet refuses Debug builds.
Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetRun("tests/Ops.Benchmarks/Ops.Benchmarks.csproj", new ProcessArgumentBuilder().Append(Argument("bench", "all")),
        new DotNetRunSettings { Configuration = "Release", NoBuild = false });
});

RunTarget(target);
