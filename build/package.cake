// Package: artifacts/package/opsd-VERSION-linux-x64.tar.gz, unpacked as /opt/opsd:
//   opsd-VERSION/opsd, opsctl (when published)   the self-contained binaries
//   opsd-VERSION/VERSION
//   opsd-VERSION/config/opsd.json                the default /etc/opsd/opsd.json
//   opsd-VERSION/systemd/opsd.service            the unit `opsd service install` writes for that config
//   opsd-VERSION/provisioning/                   the provisioning the Vagrant environments use
//   opsd-VERSION/INSTALL.md
// The archive is reproducible: sorted names, root owner, a fixed time (SOURCE_DATE_EPOCH or the last commit's).

public FilePath CreatePackage(ProductVersion version)
{
    var name = $"opsd-{version.Full}";
    var stageRoot = $"{Paths.Package}/stage";
    var stage = $"{stageRoot}/{name}";
    CleanDirectory(Paths.Package);
    EnsureDirectoryExists(stage);

    var opsd = $"{Paths.Publish}/opsd/opsd";
    if (!FileExists(opsd))
    {
        throw new CakeException($"Package: {opsd} is missing; run the Publish target first (Package depends on it)");
    }

    CopyDirectory($"{Paths.Publish}/opsd", stage);
    if (FileExists($"{Paths.Publish}/opsctl/opsctl"))
    {
        CopyFile($"{Paths.Publish}/opsctl/opsctl", $"{stage}/opsctl");
    }

    System.IO.File.WriteAllText($"{stage}/VERSION", version.Full + "\n");
    EnsureDirectoryExists($"{stage}/config");
    CopyFile(Paths.DefaultConfig, $"{stage}/config/opsd.json");
    CopyFile("build/packaging/INSTALL.md", $"{stage}/INSTALL.md");
    CopyDirectory("provisioning", $"{stage}/provisioning");

    // The unit comes from the packaged opsd itself, for the default config at its installed place.
    var scratch = $"{stageRoot}/root";
    EnsureDirectoryExists($"{scratch}/etc/opsd");
    CopyFile(Paths.DefaultConfig, $"{scratch}/etc/opsd/opsd.json");
    var unit = Shell.Run("Package (systemd unit)", $"{stage}/opsd",
        new[] { "service", "print", "--root", scratch, "--config", "/etc/opsd/opsd.json", "--exec", "/opt/opsd/opsd" }, echo: false);
    EnsureDirectoryExists($"{stage}/systemd");
    System.IO.File.WriteAllText($"{stage}/systemd/opsd.service", unit.Output + "\n");
    DeleteDirectory(scratch, new DeleteDirectorySettings { Recursive = true });

    var archive = File($"{Paths.Package}/{name}-linux-x64.tar.gz");
    var epoch = EnvironmentVariable("SOURCE_DATE_EPOCH");
    if (string.IsNullOrEmpty(epoch))
    {
        var git = Shell.Run("Package (timestamp)", "git", new[] { "log", "-1", "--format=%ct" }, check: false, echo: false);
        epoch = git.ExitCode == 0 ? git.LastLine : "0";
    }

    Shell.Run("Package (tar)", "tar", new[]
    {
        "--sort=name", "--owner=0", "--group=0", "--numeric-owner", $"--mtime=@{epoch}",
        "-czf", archive.Path.FullPath, "-C", stageRoot, name,
    });
    var hash = CalculateFileHash(archive, HashAlgorithm.SHA256).ToHex();
    System.IO.File.WriteAllText($"{archive.Path.FullPath}.sha256", $"{hash}  {archive.Path.GetFilename()}\n");
    DeleteDirectory(stageRoot, new DeleteDirectorySettings { Recursive = true });
    Information("Package: {0} ({1:0.0} MB, sha256 {2})", archive, new System.IO.FileInfo(archive.Path.FullPath).Length / 1048576.0, hash);
    return archive;
}

public FilePath PackagedArchive(ProductVersion version) => File($"{Paths.Package}/opsd-{version.Full}-linux-x64.tar.gz");
