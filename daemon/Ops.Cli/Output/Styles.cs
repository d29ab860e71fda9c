using Spectre.Console;

namespace Ops.Cli.Output;

/// <summary>Colours for program and job states, so the eye finds the broken ones first.</summary>
public static class Styles
{
    /// <summary>A program instance's state (supervisord's names, plus Unknown for a host that stopped reporting).</summary>
    public static Style ProgramState(string state) => state switch
    {
        "Running" => new Style(Color.Green),
        "Starting" or "Stopping" => new Style(Color.Yellow),
        "Backoff" => new Style(Color.Orange1),
        "Fatal" => new Style(Color.Red, decoration: Decoration.Bold),
        "Exited" or "Stopped" => new Style(Color.Grey),
        _ => new Style(Color.Magenta1),
    };

    /// <summary>A job's state (Hangfire's names).</summary>
    public static Style JobState(string state) => state switch
    {
        "Succeeded" => new Style(Color.Green),
        "Failed" => new Style(Color.Red, decoration: Decoration.Bold),
        "Processing" => new Style(Color.Yellow),
        "Enqueued" or "Scheduled" or "Awaiting" => new Style(Color.Blue),
        _ => new Style(Color.Grey),
    };

    /// <summary>Plain text in a style; never parsed as markup, since it comes from programs and operators.</summary>
    public static Text Styled(string text, Style style) => new(text, style);

    /// <summary>Plain text; never parsed as markup.</summary>
    public static Text Plain(string? text) => new(string.IsNullOrEmpty(text) ? Formats.None : text);

    /// <summary>Dimmed plain text.</summary>
    public static Text Dim(string text) => new(text, new Style(decoration: Decoration.Dim));
}
