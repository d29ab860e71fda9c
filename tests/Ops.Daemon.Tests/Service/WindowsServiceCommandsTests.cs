using Ops.Daemon.Service;

namespace Ops.Daemon.Tests.Service;

/// <summary>The sc.exe calls that register opsd on Windows, generated and checked on any platform.</summary>
public sealed class WindowsServiceCommandsTests
{
    private static readonly string[] Exe = [@"C:\Program Files\Ops\opsd.exe"];
    private const string Config = @"C:\ProgramData\Ops\opsd.json";

    [Fact]
    public void Install_DefaultAccount_CreateDescribeRestartOnFailureStart()
    {
        var calls = WindowsServiceCommands.Install(Exe, Config, user: null).Select(WindowsServiceCommands.Render).ToList();

        Assert.Equal(
            [
                """sc.exe create opsd binPath= "\"C:\Program Files\Ops\opsd.exe\" --config C:\ProgramData\Ops\opsd.json" start= delayed-auto DisplayName= "Ops daemon" """.TrimEnd(),
                """sc.exe description opsd "Ops daemon (opsd): supervises programs and runs tasks" """.TrimEnd(),
                "sc.exe failure opsd reset= 600 actions= restart/5000/restart/5000/restart/5000",
                "sc.exe failureflag opsd 1",
                "sc.exe start opsd",
            ],
            calls);
    }

    [Fact]
    public void Install_WithUser_RunsAsThatAccount()
    {
        var create = WindowsServiceCommands.Install(Exe, Config, @"NT AUTHORITY\LocalService")[0];

        Assert.Equal(["obj=", @"NT AUTHORITY\LocalService"], create.TakeLast(2));
    }

    [Fact]
    public void Install_ArgvForProcessStart_BinPathIsOneArgument()
    {
        var create = WindowsServiceCommands.Install(["opsd.exe"], @"D:\ops conf\opsd.json", null)[0];

        Assert.Equal(["create", "opsd", "binPath=", """opsd.exe --config "D:\ops conf\opsd.json" """.TrimEnd(), "start=", "delayed-auto", "DisplayName=", "Ops daemon"], create);
    }

    [Fact]
    public void Uninstall_StopsThenDeletes() =>
        Assert.Equal(["sc.exe stop opsd", "sc.exe delete opsd"], WindowsServiceCommands.Uninstall().Select(WindowsServiceCommands.Render));

    [Theory]
    [InlineData(@"C:\opsd.exe", @"C:\opsd.exe")]
    [InlineData(@"C:\Program Files\opsd.exe", @"""C:\Program Files\opsd.exe""")]
    [InlineData(@"C:\my dir\", @"""C:\my dir\\""")]
    [InlineData(@"say ""hi""", @"""say \""hi\""""")]
    [InlineData(@"a\""b", @"""a\\\""b""")]
    [InlineData("", @"""""")]
    public void Quote_WindowsRules_BackslashesLiteralExceptBeforeQuotes(string word, string expected) =>
        Assert.Equal(expected, WindowsServiceCommands.Quote(word));

    [Theory]
    [InlineData(@"C:\Program Files\Ops\opsd.exe")]
    [InlineData(@"C:\my dir\")]
    [InlineData(@"a\""b c")]
    [InlineData(@"\\server\share\x y\")]
    public void Quote_ParsedBackByTheWindowsRules_GivesTheSameWord(string word) =>
        Assert.Equal([word], ParseWindowsCommandLine(WindowsServiceCommands.Quote(word)));

    /// <summary>CommandLineToArgvW's rules, written out: the reference the quoting is checked against.</summary>
    private static List<string> ParseWindowsCommandLine(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        bool inQuotes = false, any = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\')
            {
                var run = 0;
                while (i < line.Length && line[i] == '\\')
                {
                    run++;
                    i++;
                }

                if (i < line.Length && line[i] == '"')
                {
                    current.Append('\\', run / 2);
                    if (run % 2 == 1)
                    {
                        current.Append('"');
                    }
                    else
                    {
                        inQuotes = !inQuotes;
                    }
                }
                else
                {
                    current.Append('\\', run);
                    i--;
                }

                any = true;
            }
            else if (c == '"')
            {
                inQuotes = !inQuotes;
                any = true;
            }
            else if (c == ' ' && !inQuotes)
            {
                if (any)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
