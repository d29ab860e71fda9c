// Test: every test project, one TRX each, then one summary line "N passed, N failed, N skipped".
using System.Xml.Linq;

public void RunTests(ICakeContext context, string configuration)
{
    context.CleanDirectory(Paths.TestResults);
    var failedProjects = new List<string>();
    foreach (var project in context.GetFiles("tests/*.Tests/*.Tests.csproj"))
    {
        var name = project.GetFilenameWithoutExtension().ToString();
        context.Information("Testing {0}", name);
        try
        {
            context.DotNetTest(project.FullPath, new DotNetTestSettings
            {
                Configuration = configuration,
                NoBuild = true,
                Loggers = { $"trx;LogFileName={name}.trx", "console;verbosity=normal" },
                ResultsDirectory = Paths.TestResults,
            });
        }
        catch (Exception)
        {
            failedProjects.Add(name);
        }
    }

    int passed = 0, failed = 0, skipped = 0;
    foreach (var trx in context.GetFiles($"{Paths.TestResults}/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += (int)counters.Attribute("passed");
        failed += (int)counters.Attribute("failed");
        skipped += (int)counters.Attribute("notExecuted");
    }

    var summary = $"{passed} passed, {failed} failed, {skipped} skipped";
    System.IO.File.WriteAllText(Paths.TestSummary, summary + "\n");
    context.Information("");
    context.Information(summary);
    if (failedProjects.Count > 0)
    {
        throw new CakeException($"Test failed in: {string.Join(", ", failedProjects)} (TRX files in {Paths.TestResults})");
    }
}
