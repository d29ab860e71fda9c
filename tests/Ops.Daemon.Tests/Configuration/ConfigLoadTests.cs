using System.Collections;
using Ops.Daemon.Configuration;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>The one load behind run, validate, reload and service install: a snapshot, or every error.</summary>
public sealed class ConfigLoadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsd-load-").FullName;

    [Fact]
    public void LoadFile_MissingFile_UnreadableWithOneErrorAndNoSnapshot()
    {
        var file = Path.Combine(_directory, "absent.json");

        var load = Load(file);

        Assert.False(load.IsValid);
        Assert.True(load.Unreadable);
        Assert.Null(load.Settings);
        var error = Assert.Single(load.Errors);
        Assert.Equal(file, error.Path);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_BadContent_EveryErrorWithItsKeyPathAndNoSnapshot()
    {
        var file = Write("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Instances": "many" }, "api": { "StopTimeout": "0s" }, "gone": { "Command": "/nonexistent/ghost" } } } }""");

        var load = Load(file, checkCommands: true);

        Assert.False(load.IsValid);
        Assert.False(load.Unreadable);
        Assert.Null(load.Settings);
        Assert.Contains(load.Errors, e => e.Path == "Ops:Programs:web:Instances");
        Assert.Contains(load.Errors, e => e.Path == "Ops:Programs:api:Command");
        Assert.Contains(load.Errors, e => e.Path == "Ops:Programs:api:StopTimeout");

        // The commands are checked all the same, so that validate lists every problem in one go.
        Assert.Equal("Ops:Programs:gone:Command", Assert.Single(load.CommandErrors).Path);
        Assert.Empty(load.Warnings);
    }

    [Fact]
    public void LoadFile_ValidFile_SnapshotWithoutErrors()
    {
        var file = Write("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "Instances": 2, "Log": { "ToSeq": false } } } } }""");

        var load = Load(file);

        Assert.True(load.IsValid);
        Assert.Empty(load.Errors);
        Assert.Empty(load.Settings.Errors);
        Assert.Equal(file, load.Settings.ConfigPath);
        var entry = Assert.Single(load.Settings.ProgramEntries);
        Assert.Equal(2, entry.Spec.Instances);
        Assert.False(entry.Log.ToSeq);
        Assert.Same(entry.Spec, Assert.Single(load.Settings.Programs));
    }

    [Fact]
    public void LoadFile_CommandsChecked_MissingCommandIsACommandErrorAndBareNameAWarning()
    {
        var file = Write("""{ "Ops": { "Programs": { "gone": { "Command": "/nonexistent/ghost" }, "bare": { "Command": "sleep" } } } }""");

        var load = Load(file, checkCommands: true);

        // Still a snapshot: whether a command is there is a fact about the machine, which each caller weighs.
        Assert.True(load.IsValid);
        Assert.Contains(load.CommandErrors, e => e.Path == "Ops:Programs:gone:Command");
        Assert.Contains(load.Warnings, e => e.Path == "Ops:Programs:bare:Command");
        Assert.Empty(Load(file).CommandErrors);
    }

    [Fact]
    public void LoadFile_ReadAs_RelativePathsResolveFromThatFile()
    {
        var file = Write("""{ "Ops": { "Host": { "StateDirectory": "state" } } }""");
        var target = Path.Combine(_directory, "etc", "opsd.json");

        var load = ConfigLoad.LoadFile(file, target, new Hashtable(), checkCommands: false);

        Assert.True(load.IsValid);
        Assert.Equal(target, load.Path);
        Assert.Equal(Path.Combine(_directory, "etc", "state"), load.Settings.StateDirectory);
    }

    [Fact]
    public void WriteErrors_UnreadableFile_OneLineAfterThePrefix()
    {
        var load = Load(Path.Combine(_directory, "absent.json"));
        using var writer = new StringWriter();

        load.WriteErrors(writer, load.Errors, "opsd: ", count => $"heading {count}");

        Assert.Equal([$"opsd: {load.Errors[0]}"], Lines(writer));
    }

    [Fact]
    public void WriteErrors_FileWithErrors_HeadingThenOneLinePerErrorWithKeyPath()
    {
        var load = Load(Write("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Instances": "many", "Restartt": "Always" } } } }"""));
        using var writer = new StringWriter();

        load.WriteErrors(writer, load.Errors, "opsd: ", count => $"{count} error(s)");

        var lines = Lines(writer);
        Assert.Equal("2 error(s)", lines[0]);
        Assert.Equal(load.Errors.Select(e => e.ToString()), lines.Skip(1));
        Assert.All(lines.Skip(1), line => Assert.StartsWith("Ops:Programs:web:", line, StringComparison.Ordinal));
    }

    [Fact]
    public void WriteWarnings_BareCommand_KeyPathThenWarning()
    {
        var load = Load(Write("""{ "Ops": { "Programs": { "bare": { "Command": "sleep" } } } }"""), checkCommands: true);
        using var writer = new StringWriter();

        load.WriteWarnings(writer);

        Assert.StartsWith("Ops:Programs:bare:Command: warning: ", Assert.Single(Lines(writer)), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ConfigLoad Load(string file, bool checkCommands = false) =>
        ConfigLoad.LoadFile(file, null, new Hashtable(), checkCommands);

    private static string[] Lines(StringWriter writer) =>
        writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private string Write(string json)
    {
        var path = Path.Combine(_directory, $"opsd-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}
