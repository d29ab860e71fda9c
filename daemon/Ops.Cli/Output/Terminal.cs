using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ops.Cli.Output;

/// <summary>
/// opsctl's two outputs. Stdout carries the answer: tables and text, or with --json opsd's JSON and nothing else.
/// Stderr carries errors, warnings and progress. When a stream is not a terminal (a pipe, a file, a test) its
/// console writes no ANSI codes, no colours, no live progress, and does not wrap, so the text stays greppable.
/// </summary>
public sealed class Terminal
{
    /// <summary>Width used when not writing to a terminal: wide enough that no table or line wraps.</summary>
    private const int UnwrappedWidth = 4096;

    /// <summary>Writes to the process's stdout and stderr.</summary>
    public Terminal(bool json)
        : this(json, Console.Out, Console.Error, Console.IsOutputRedirected, Console.IsErrorRedirected)
    {
    }

    /// <summary>Writes to the given writers; a redirected writer gets plain text.</summary>
    public Terminal(bool json, TextWriter stdout, TextWriter stderr, bool stdoutRedirected, bool stderrRedirected)
    {
        Json = json;
        RawOut = stdout;
        Out = CreateConsole(stdout, stdoutRedirected);
        Err = CreateConsole(stderr, stderrRedirected);
        IsOutTerminal = !stdoutRedirected;
    }

    /// <summary>--json: stdout gets opsd's answers verbatim and nothing else.</summary>
    public bool Json { get; }

    /// <summary>Stdout, for tables and styled text.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Stderr, for errors, warnings and progress.</summary>
    public IAnsiConsole Err { get; }

    /// <summary>Stdout as plain text: JSON and program output go through it untouched (no markup, no wrapping).</summary>
    public TextWriter RawOut { get; }

    /// <summary>Whether stdout is a terminal (tables get borders there).</summary>
    public bool IsOutTerminal { get; }

    /// <summary>Whether stderr can show a live progress bar.</summary>
    public bool CanShowProgress => Err.Profile.Capabilities.Interactive;

    /// <summary>A table in opsctl's style: rounded borders on a terminal, bare aligned columns (awk-able) elsewhere.</summary>
    public Table NewTable(params string[] headers)
    {
        var table = new Table().Border(IsOutTerminal ? TableBorder.Rounded : TableBorder.None);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        }

        return table;
    }

    /// <summary>
    /// Writes a table or grid on stdout. Off a terminal it is rendered plain and each line's trailing padding is
    /// cut, so that files and pipes get clean, aligned text.
    /// </summary>
    public void Write(IRenderable renderable)
    {
        if (IsOutTerminal)
        {
            Out.Write(renderable);
            return;
        }

        using var buffer = new StringWriter();
        CreateConsole(buffer, redirected: true).Write(renderable);
        foreach (var line in buffer.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
        {
            RawOut.WriteLine(line.TrimEnd());
        }

        RawOut.Flush();
    }

    /// <summary>Prints one JSON document (as received) on its own line.</summary>
    public void WriteJson(string json)
    {
        RawOut.WriteLine(json.TrimEnd());
        RawOut.Flush();
    }

    /// <summary>Prints an error on stderr.</summary>
    public void Error(string message) => Err.Write(new Text(message + Environment.NewLine, new Style(Color.Red)));

    /// <summary>Prints a warning on stderr.</summary>
    public void Warn(string message) => Err.Write(new Text(message + Environment.NewLine, new Style(Color.Yellow)));

    private static IAnsiConsole CreateConsole(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(writer),
        });
        if (redirected)
        {
            console.Profile.Width = UnwrappedWidth;
        }

        return console;
    }
}
