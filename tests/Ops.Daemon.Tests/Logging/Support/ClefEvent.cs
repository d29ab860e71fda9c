using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ops.Daemon.Tests.Logging.Support;

/// <summary>One event as Seq would ingest it: the CLEF object with its @-fields and properties.</summary>
internal sealed class ClefEvent(JsonObject json)
{
    public JsonObject Json { get; } = json;

    /// <summary>@l, which CLEF leaves out for Information.</summary>
    public string Level => Json["@l"]?.GetValue<string>() ?? "Information";

    public string Template => Json["@mt"]?.GetValue<string>() ?? string.Empty;

    public string? Exception => Json["@x"]?.GetValue<string>();

    public bool Has(string property) => Json.ContainsKey(property);

    public string? String(string property) => Json[property] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    public long? Number(string property) => Json[property] is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.GetValue<long>() : null;

    public override string ToString() => Json.ToJsonString();

    /// <summary>The message with the properties filled in, roughly as Seq shows it.</summary>
    public string Render()
    {
        var text = Template;
        foreach (var (name, value) in Json)
        {
            if (!name.StartsWith('@'))
            {
                var rendered = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "null";
                text = text.Replace("{" + name + "}", rendered, StringComparison.Ordinal);
            }
        }

        return text.ToString(CultureInfo.InvariantCulture);
    }
}
