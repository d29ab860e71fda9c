using System.Text;
using System.Text.Json;
using Ops.Cli.CommandLine;

namespace Ops.Cli.Commands.Submit;

/// <summary>
/// The items of <c>submit --items FILE</c>: a JSON array (one item per element), or JSON lines (one item per
/// non-blank line). A file that is one JSON document is read as such: an array gives its elements, any other
/// value is a single item. "-" reads stdin. Each item is kept as compact JSON text, to be sent as it is.
/// </summary>
public static class ItemsFile
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Reads the items; throws <see cref="UsageException"/> naming the file and line of what is wrong.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        string text;
        try
        {
            text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the items file {path}: {ex.Message}");
        }

        var items = Parse(text, path == "-" ? "stdin" : path);
        return items.Count > 0 ? items : throw new UsageException($"the items file {path} holds no items: write a JSON array, or one JSON value per line");
    }

    /// <summary>Parses the text of an items file; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<string> Parse(string text, string source)
    {
        JsonException? asDocument;
        try
        {
            using var document = JsonDocument.Parse(text, Options);
            return document.RootElement.ValueKind == JsonValueKind.Array
                ? [.. document.RootElement.EnumerateArray().Select(Compact)]
                : [Compact(document.RootElement)];
        }
        catch (JsonException ex)
        {
            asDocument = ex;
        }

        var items = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line, Options);
                items.Add(Compact(document.RootElement));
            }
            catch (JsonException ex)
            {
                // A broken array reads better as one document's error than as "line 1 is not JSON".
                throw text.TrimStart().StartsWith('[') && items.Count == 0
                    ? new UsageException($"{source}:{asDocument.LineNumber + 1}: not a JSON array of items: {asDocument.Message}")
                    : new UsageException($"{source}:{i + 1}: not a JSON value (one item per line): {ex.Message}");
            }
        }

        return items;
    }

    private static string Compact(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
