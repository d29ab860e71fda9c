using System.Text;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>A GitHub markdown table, built row by row.</summary>
internal sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public MarkdownTable Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"a row needs {headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var text = new StringBuilder()
            .AppendLine($"| {string.Join(" | ", headers)} |")
            .AppendLine($"|{string.Concat(headers.Select(_ => "---|"))}");
        foreach (var row in _rows)
        {
            text.AppendLine($"| {string.Join(" | ", row)} |");
        }

        return text.ToString();
    }
}
