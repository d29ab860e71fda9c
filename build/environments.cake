// Validate-Environments and Environments-Test: the Vagrant machines dev, test, staging and prod.
using System.Collections.Concurrent;
using System.Diagnostics;

public static class Machines
{
    public static readonly string[] All = { "dev", "test", "staging", "prod" };
}

public sealed record MachineResult(string Name, bool Passed, TimeSpan Duration, string Summary, IReadOnlyList<string> Skipped);

/// <summary>What every vagrant call here runs with: no update checks (no network), docker as the default provider.</summary>
public IDictionary<string, string> VagrantEnvironment(string image = null, string init = null)
{
    var environment = new Dictionary<string, string>
    {
        ["VAGRANT_CHECKPOINT_DISABLE"] = "1",
        ["VAGRANT_BOX_UPDATE_CHECK_DISABLE"] = "1",
        ["VAGRANT_DEFAULT_PROVIDER"] = "docker",
    };
    if (image is not null)
    {
        environment["OPS_VAGRANT_IMAGE"] = image;
    }

    if (init is not null)
    {
        environment["OPS_DOCKER_INIT"] = init;
    }

    return environment;
}

// ---------------------------------------------------------------------------------------------------------------
// Validate-Environments: shellcheck, vagrant validate (for the docker provider, so with a Docker engine running),
// systemd-analyze verify of the packaged unit, and every environment's opsd config through the packaged opsd's
// own `opsd validate`.

public void ValidateEnvironments(FilePath package)
{
    EnsurePrerequisites("validate");
    var log = $"{Paths.Environments}/validate.log";
    EnsureDirectoryExists(Paths.Environments);
    if (FileExists(log))
    {
        DeleteFile(log);
    }

    var scripts = new List<string> { "build.sh", ".ci/run" };
    scripts.AddRange(GetFiles("build/**/*.sh").Concat(GetFiles("provisioning/**/*.sh")).Select(f => RelativePath(f)).OrderBy(f => f, StringComparer.Ordinal));
    Shell.Run("Validate-Environments (shellcheck)", "shellcheck", new[] { "-x", "--source-path=SCRIPTDIR" }.Concat(scripts), log);
    Information("shellcheck: {0} scripts clean", scripts.Count);

    // The docker provider only validates against a Docker engine that answers.
    var docker = Shell.Run("Validate-Environments (docker engine)", "build/docker-daemon.sh", new[] { "start", Paths.Environments }, log, echo: false);
    try
    {
        Shell.Run("Validate-Environments (vagrant validate)", "vagrant", new[] { "validate" }, log, VagrantEnvironment());
    }
    finally
    {
        if (docker.LastLine == "started")
        {
            Shell.Run("Validate-Environments (stop docker engine)", "build/docker-daemon.sh", new[] { "stop", Paths.Environments }, log, check: false, echo: false);
        }
    }

    // The packaged unit names /opt/opsd/opsd, and verify insists the executable exists: point it at the unpacked one.
    var unpacked = $"{Paths.Environments}/validate";
    CleanDirectory(unpacked);
    Shell.Run("Validate-Environments (unpack)", "tar", new[] { "-xzf", package.FullPath, "-C", unpacked, "--strip-components=1" }, log);
    var opsd = MakeAbsolute(File($"{unpacked}/opsd")).FullPath;
    var unit = System.IO.File.ReadAllText($"{unpacked}/systemd/opsd.service");
    if (!unit.Contains("\nExecStart=/opt/opsd/opsd "))
    {
        throw new CakeException("Validate-Environments (unit): the packaged opsd.service does not start /opt/opsd/opsd");
    }

    var verifiable = $"{unpacked}/opsd.service";
    System.IO.File.WriteAllText(verifiable, unit.Replace("\nExecStart=/opt/opsd/opsd ", $"\nExecStart={opsd} "));
    var verify = Shell.Run("Validate-Environments (systemd-analyze verify)", "systemd-analyze", new[] { "verify", verifiable }, log);
    var complaints = verify.Lines.Where(l => l.Contains("opsd.service")).ToList();
    if (complaints.Count > 0)
    {
        throw new CakeException($"Validate-Environments (systemd-analyze verify): {string.Join("; ", complaints)}");
    }

    Information("systemd-analyze verify: the packaged opsd.service is clean");

    foreach (var name in Machines.All)
    {
        var config = $"{unpacked}/{name}.json";
        var environment = $"provisioning/environments/{name}.json";
        // Provisioning adds the real connection string; any well-formed one does for validation.
        var jq = Shell.Run($"Validate-Environments ({name}.json)", "jq", new[]
        {
            "--arg", "connection", "Host=127.0.0.1;Port=5432;Database=ops;Username=ops;Password=validate",
            ".opsd.config | if .Ops.Storage.Provider == \"PostgreSql\" then .Ops.Storage.ConnectionString = $connection else . end",
            environment,
        }, echo: false);
        System.IO.File.WriteAllText(config, jq.Output + "\n");
        var result = Shell.Run($"Validate-Environments ({name}.json)", opsd, new[] { "validate", "--config", config }, log, check: false, echo: false);
        if (result.ExitCode != 0)
        {
            var storage = result.Lines.Any(l => l.Contains("Ops:Storage")) ? " (this opsd rejects the Ops:Storage keys: tell the lead)" : string.Empty;
            throw new CakeException($"Validate-Environments: {environment} does not validate{storage}:\n{result.Output}");
        }

        Information("{0}", result.LastLine.Replace(config, environment));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Environments-Test: a Docker engine (started here when none runs), the base image (built once, then cached),
// then for every machine: vagrant up (provisions), provision again (must change nothing), the smoke test inside
// the machine, vagrant destroy. Machines run PARALLEL at a time. PID 1 of the containers is systemd where it
// boots in a container here (probed), else sshd alone; --docker-init=systemd|sshd forces one.

public void TestEnvironments(IReadOnlyList<string> names, int parallel, bool keep, string dockerInit)
{
    EnsurePrerequisites("environments");
    var logs = Paths.Environments;
    EnsureDirectoryExists(logs);
    var clock = Stopwatch.StartNew();
    var docker = Shell.Run("Environments-Test (docker engine)", "build/docker-daemon.sh", new[] { "start", logs });
    var startedDocker = docker.LastLine == "started";
    try
    {
        var image = Shell.Run("Environments-Test (base image)", "build/images/vagrant-debian.sh", new[] { $"{logs}/image" }).LastLine;
        var init = dockerInit switch
        {
            "systemd" or "sshd" => dockerInit,
            "auto" => SystemdBootsInDocker(image) ? "systemd" : "sshd",
            _ => throw new CakeException($"Environments-Test: --docker-init={dockerInit}: use auto, systemd or sshd"),
        };
        if (init == "sshd")
        {
            Warning("{0}: the machines run sshd only, and provisioning starts opsd directly (the unit is still checked by Validate-Environments)",
                dockerInit == "auto" ? "systemd does not boot in a container here" : "--docker-init=sshd");
        }

        var environment = VagrantEnvironment(image, init);
        // Leftovers of an interrupted run would make `vagrant up` resume instead of provisioning afresh.
        Shell.Run("Environments-Test (clean up)", "vagrant", new[] { "destroy", "-f" }.Concat(names), $"{logs}/vagrant.log", environment, check: false, echo: false);

        var results = new ConcurrentDictionary<string, MachineResult>();
        Parallel.ForEach(names, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel) },
            name => results[name] = TestMachine(name, environment, keep));

        Information("");
        Information("Environments-Test ({0} machine(s), {1} at a time, {2} as PID 1): {3:mm\\:ss}", names.Count, parallel, init, clock.Elapsed);
        foreach (var name in names)
        {
            var result = results[name];
            Information("  {0,-8} {1,-6} {2:mm\\:ss}  {3}", name, result.Passed ? "passed" : "FAILED", result.Duration, result.Summary);
            foreach (var skipped in result.Skipped)
            {
                Information("  {0,-8}        {1}", "", skipped.Trim());
            }
        }

        var failed = names.Where(n => !results[n].Passed).ToList();
        if (failed.Count > 0)
        {
            throw new CakeException($"Environments-Test failed for {string.Join(", ", failed.Select(n => $"{n} ({results[n].Summary})"))}; logs in {logs}/<machine>.log");
        }
    }
    finally
    {
        if (startedDocker)
        {
            Shell.Run("Environments-Test (stop docker engine)", "build/docker-daemon.sh", new[] { "stop", logs }, check: false);
        }
    }
}

private MachineResult TestMachine(string name, IDictionary<string, string> environment, bool keep)
{
    var log = $"{Paths.Environments}/{name}.log";
    if (FileExists(log))
    {
        DeleteFile(log);
    }

    var prefix = $"[{name}]";
    var clock = Stopwatch.StartNew();
    var step = "vagrant up";
    try
    {
        Shell.Run($"Environments-Test {name}: vagrant up", "vagrant", new[] { "up", name, "--provider=docker" }, log, environment, prefix: prefix);

        step = "provision again";
        var again = Shell.Run($"Environments-Test {name}: second provisioning", "vagrant", new[] { "provision", name }, log, environment, prefix: prefix);
        if (!again.Lines.Any(l => l.Contains("0 change(s)")))
        {
            var changes = again.Lines.Where(l => l.Contains("changed:")).Select(l => l.Trim());
            throw new CakeException($"provisioning is not idempotent: the second run changed {string.Join("; ", changes)}");
        }

        step = "smoke test";
        var smoke = Shell.Run($"Environments-Test {name}: smoke test", "vagrant",
            new[] { "ssh", name, "-c", $"sudo /ops/provisioning/smoke-test.sh {name}" }, log, environment, prefix: prefix);
        var skipped = smoke.Lines.Where(l => l.TrimStart().StartsWith("SKIP")).ToList();
        return new MachineResult(name, true, clock.Elapsed, smoke.LastLine, skipped);
    }
    catch (CakeException ex)
    {
        CollectDiagnostics(name, environment, log);
        return new MachineResult(name, false, clock.Elapsed, $"{step}: {ex.Message}", Array.Empty<string>());
    }
    finally
    {
        if (!keep)
        {
            Shell.Run($"Environments-Test {name}: vagrant destroy", "vagrant", new[] { "destroy", "-f", name }, log, environment, check: false, echo: false);
        }
    }
}

/// <summary>opsd's own account of a failure, into the machine's log, before the machine is destroyed.</summary>
private void CollectDiagnostics(string name, IDictionary<string, string> environment, string log)
{
    const string commands = "sudo systemctl status opsd --no-pager 2>&1 | head -n 20; sudo journalctl -u opsd -n 80 --no-pager 2>/dev/null; "
        + "sudo tail -n 80 /var/log/opsd/opsd.out 2>/dev/null; curl -s 127.0.0.1:5080/api/v1/programs; echo";
    Shell.Run($"Environments-Test {name}: diagnostics", "vagrant", new[] { "ssh", name, "-c", commands }, log, environment, check: false, echo: false);
}

/// <summary>
/// Whether systemd reaches running (or degraded) as PID 1 of a container from IMAGE within 30 s, with the same
/// docker arguments as the Vagrantfile's docker_systemd_args (keep the two in step).
/// </summary>
private bool SystemdBootsInDocker(string image)
{
    var cgroupV2 = System.IO.File.Exists("/sys/fs/cgroup/cgroup.controllers");
    var args = new List<string> { "run", "-d", "--rm", "--cap-add=SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--stop-signal=SIGRTMIN+3", "--tmpfs=/run", "--tmpfs=/run/lock" };
    args.AddRange(cgroupV2 ? new[] { "--cgroupns=host", "--volume=/sys/fs/cgroup:/sys/fs/cgroup:rw" } : new[] { "--volume=/sys/fs/cgroup:/sys/fs/cgroup:ro" });
    args.AddRange(new[] { image, "/sbin/init" });
    var docker = System.IO.File.Exists("/usr/bin/docker") ? "/usr/bin/docker" : "docker";
    var log = $"{Paths.Environments}/systemd-probe.log";
    var run = Shell.Run("Environments-Test (systemd probe)", docker, args, log, check: false, echo: false);
    if (run.ExitCode != 0)
    {
        return false;
    }

    var container = run.LastLine;
    try
    {
        for (var i = 0; i < 30; i++)
        {
            var state = Shell.Run("Environments-Test (systemd probe)", docker, new[] { "exec", container, "systemctl", "is-system-running" }, log, check: false, echo: false).LastLine;
            if (state is "running" or "degraded")
            {
                Information("systemd boots in a container here ({0}): the machines run it as PID 1", state);
                return true;
            }

            System.Threading.Thread.Sleep(1000);
        }

        return false;
    }
    finally
    {
        Shell.Run("Environments-Test (systemd probe)", docker, new[] { "rm", "-f", container }, log, check: false, echo: false);
    }
}

private string RelativePath(FilePath file) => MakeAbsolute(Directory(".")).GetRelativePath(file).FullPath;
