// Where things are, in one place.
public static class Paths
{
    public const string Solution = "Ops.sln";
    public const string Artifacts = "artifacts";
    public const string TestResults = "artifacts/test-results";

    /// <summary>The one-line test summary, kept so .ci/run can repeat it as its last line.</summary>
    public const string TestSummary = "artifacts/test-results/summary.txt";

    /// <summary>Self-contained linux-x64 builds: artifacts/publish/opsd, artifacts/publish/opsctl.</summary>
    public const string Publish = "artifacts/publish";

    /// <summary>opsd-VERSION-linux-x64.tar.gz and its .sha256.</summary>
    public const string Package = "artifacts/package";

    /// <summary>Logs of Validate-Environments and Environments-Test (dockerd, debootstrap, one per machine).</summary>
    public const string Environments = "artifacts/environments";

    public const string DaemonProject = "daemon/Ops.Daemon/Ops.Daemon.csproj";
    public const string CliProject = "daemon/Ops.Cli/Ops.Cli.csproj";

    /// <summary>The default config the package ships for /etc/opsd/opsd.json.</summary>
    public const string DefaultConfig = "build/packaging/opsd.json";

    /// <summary>The Version property (with VersionPrefix) that the package version starts from.</summary>
    public const string BuildProps = "Directory.Build.props";
}
