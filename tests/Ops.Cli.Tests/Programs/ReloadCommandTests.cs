using System.Text.Json.Nodes;
using Ops.Cli.Tests.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Cli.Tests.Programs;

/// <summary>reload: the dry run shows the diff and changes nothing; the reload applies it.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ReloadCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Reload_ProgramsAddedChangedAndRemoved_DryRunShowsTheDiffAndReloadAppliesIt()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["keep"] = Sleeper("exec sleep 600"),
            ["change"] = Sleeper("exec sleep 600"),
            ["drop"] = Sleeper("exec sleep 600"),
        }).StartAsync();
        var pids = (await AllAsync(opsd, i => i.State == "Running", "running")).ToDictionary(i => i.Name, i => i.Pid);

        var config = JsonNode.Parse(await File.ReadAllTextAsync(opsd.ConfigPath))!;
        var programs = config["Ops"]!["Programs"]!.AsObject();
        programs.Remove("drop");
        programs["change"] = Sleeper("exec sleep 601");
        programs["add"] = Sleeper("exec sleep 600");
        await File.WriteAllTextAsync(opsd.ConfigPath, config.ToJsonString());

        var dry = (await Opsctl.RunAsync(opsd, "reload", "--dry-run", "--json")).ExitsWith(0).Json();
        Assert.Equal(["add"], Names(dry, "added"));
        Assert.Equal(["drop"], Names(dry, "removed"));
        Assert.Equal(["change"], Names(dry, "changed"));
        Assert.Equal(["keep"], Names(dry, "unchanged"));
        Assert.False(dry.GetProperty("applied").GetBoolean());
        var untouched = await opsd.ProgramsAsync();
        Assert.Equal(["change", "drop", "keep"], untouched.Select(i => i.Name).Order());
        Assert.Equal(pids["change"], untouched.Single(i => i.Name == "change").Pid);

        var applied = (await Opsctl.RunAsync(opsd, "reload")).ExitsWith(0).Stdout;
        Assert.Contains("+ added: add", applied, StringComparison.Ordinal);
        Assert.Contains("- removed: drop", applied, StringComparison.Ordinal);
        Assert.Contains("~ restarted: change (Args)", applied, StringComparison.Ordinal);
        Assert.Contains("= unchanged: keep", applied, StringComparison.Ordinal);
        var after = await AllAsync(opsd, i => i.State == "Running" && i.Name != "drop", "reloaded");
        Assert.Equal(["add", "change", "keep"], after.Select(i => i.Name).Order());
        Assert.NotEqual(pids["change"], after.Single(i => i.Name == "change").Pid);
        Assert.Equal(pids["keep"], after.Single(i => i.Name == "keep").Pid);
        Assert.False(ProcessTable.IsAlive(pids["drop"]!.Value), "the removed program's process survived");

        var nothing = (await Opsctl.RunAsync(opsd, "reload", "--dry-run")).ExitsWith(0).Stdout;
        Assert.Contains("No program changes", nothing, StringComparison.Ordinal);
    }

    /// <summary>Polls until every instance of every program satisfies <paramref name="predicate"/>.</summary>
    private static async Task<List<InstanceView>> AllAsync(Opsd opsd, Func<InstanceView, bool> predicate, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        List<InstanceView> last = [];
        while (DateTime.UtcNow < deadline)
        {
            last = await opsd.ProgramsAsync();
            if (last.All(predicate))
            {
                return last;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"programs did not become {what} within {Wait}: {string.Join(", ", last)}\n{opsd.Output}");
    }

    private static JsonObject Sleeper(string script) => Worker.Shell(script, new JsonObject { ["StopTimeout"] = "2s" });

    private static List<string?> Names(System.Text.Json.JsonElement diff, string kind) =>
        [.. diff.GetProperty(kind).EnumerateArray().Select(e => e.GetString())];
}
