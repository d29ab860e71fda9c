// Ops build: ./build.sh --target=TARGET [--configuration=Release]
//   Clean, Build, Test, Bench, Publish, Package, Validate-Environments, Environments-Test, and CI (what .ci/run
//   runs: Build, Test, Package, Validate-Environments, Environments-Test).
// Package: --version-suffix=ci.42 appends to VersionPrefix (Directory.Build.props); --package-version=1.2.3 replaces it.
// Environments-Test: --environments=dev,test (default: all four), --environments-parallel=N (default 2),
//   --keep-environments (leave the machines up for `vagrant ssh NAME`), --docker-init=auto|systemd|sshd (PID 1 of
//   the containers; auto: systemd where it boots in a container here).
#load "build/paths.cake"
#load "build/shell.cake"
#load "build/services.cake"
#load "build/test.cake"
#load "build/version.cake"
#load "build/publish.cake"
#load "build/package.cake"
#load "build/environments.cake"

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var version = ResolveVersion();
string failedStep = null;

Setup(context =>
{
    Information("Ops build: target {0}, configuration {1}, version {2}", target, configuration, version.Full);
    // A summary left by an earlier run must not be taken for this run's.
    if (FileExists(Paths.TestSummary))
    {
        DeleteFile(Paths.TestSummary);
    }
});

TaskTeardown(context =>
{
    if (!context.Successful && failedStep is null)
    {
        failedStep = context.Task.Name;
    }
});

Teardown(context =>
{
    if (!context.Successful)
    {
        Error("FAILED in step {0}: {1}", failedStep ?? "setup", context.ThrownException?.Message);
    }

    // CI reads the test summary line: when the tests ran inside a longer target, repeat it last.
    if (target != "Test" && FileExists(Paths.TestSummary))
    {
        Information(System.IO.File.ReadAllText(Paths.TestSummary).Trim());
    }
});

Task("Clean")
    .Description("Delete bin/<configuration> folders and artifacts/")
    .Does(() =>
{
    CleanDirectories("./daemon/**/bin/" + configuration);
    CleanDirectories("./tests/**/bin/" + configuration);
    CleanDirectory(Paths.Artifacts);
});

Task("Build")
    .Description("Build the solution")
    .Does(() =>
{
    DotNetBuild(Paths.Solution, new DotNetBuildSettings { Configuration = configuration });

    // The house style (.editorconfig): whitespace, usings, namespaces that follow folders, one naming dialect.
    try
    {
        DotNetFormat(Paths.Solution, new DotNetFormatSettings { VerifyNoChanges = true, NoRestore = true });
    }
    catch (Exception ex)
    {
        throw new CakeException($"Build failed: the code is not formatted as .editorconfig says ({ex.Message}). Run `dotnet format {Paths.Solution}` to fix what it can, then `dotnet format {Paths.Solution} --verify-no-changes` to see what is left.");
    }
})
    .OnError(ex => throw new CakeException(ex is CakeException ? ex.Message : $"Build failed: {ex.Message}. Run `dotnet build {Paths.Solution}` to see every compiler error."));

// Starts what the tests need (build/services.cake), runs every test project, ends with "N passed, N failed, N skipped".
Task("Test")
    .Description("Start what the tests need, run every test project; ends with N passed, N failed, N skipped")
    .IsDependentOn("Build")
    .Does(() =>
{
    StartTestServices();
    try
    {
        RunTests(Context, configuration);
    }
    finally
    {
        StopTestServices();
    }
});

// ./build.sh --target=Bench [--bench=all|restart-latency|footprint|micro|task-throughput|seq-shipping]; reports in artifacts/bench/.
// DotNetRun puts the "--" before the program's arguments itself; Release always, BenchmarkDotNet refuses Debug builds.
Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetRun("tests/Ops.Benchmarks/Ops.Benchmarks.csproj", new ProcessArgumentBuilder().Append(Argument("bench", "all")),
        new DotNetRunSettings { Configuration = "Release", NoBuild = false });
});

// Self-contained linux-x64 opsd (and opsctl once daemon/Ops.Cli exists) in artifacts/publish/.
Task("Publish")
    .Description("Self-contained linux-x64 opsd (and opsctl) in artifacts/publish/")
    .Does(() => PublishAll(configuration, version));

// artifacts/package/opsd-VERSION-linux-x64.tar.gz: binaries, default config, systemd unit, provisioning.
Task("Package")
    .Description("artifacts/package/opsd-VERSION-linux-x64.tar.gz")
    .IsDependentOn("Publish")
    .Does(() => CreatePackage(version));

// vagrant validate, shellcheck, systemd-analyze verify of the packaged unit, opsd validate of every environment.
Task("Validate-Environments")
    .Description("vagrant validate, shellcheck, systemd-analyze verify, opsd validate of each environment")
    .IsDependentOn("Package")
    .Does(() => ValidateEnvironments(PackagedArchive(version)));

// vagrant up --provider=docker for every environment, provision twice, smoke-test, destroy.
Task("Environments-Test")
    .Description("vagrant up --provider=docker dev, test, staging, prod; provision twice; smoke-test; destroy")
    .IsDependentOn("Package")
    .Does(() =>
{
    var names = Argument("environments", string.Join(",", Machines.All)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var unknown = names.Except(Machines.All).ToList();
    if (unknown.Count > 0)
    {
        throw new CakeException($"Environments-Test: unknown environment(s) {string.Join(", ", unknown)}; choose from {string.Join(", ", Machines.All)}");
    }

    TestEnvironments(names, Argument("environments-parallel", 2), HasArgument("keep-environments"), Argument("docker-init", "auto"));
});

// What .ci/run runs.
Task("CI")
    .Description("Build, Test, Package, Validate-Environments, Environments-Test (.ci/run)")
    .IsDependentOn("Build")
    .IsDependentOn("Test")
    .IsDependentOn("Package")
    .IsDependentOn("Validate-Environments")
    .IsDependentOn("Environments-Test");

RunTarget(target);
