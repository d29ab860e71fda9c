using System.Globalization;
using System.Text.Json;

namespace Ops.Daemon.Configuration;

/// <summary>
/// The JSON kind (object, array, string, number, ...) of every key of the config file. Flattening JSON into
/// IConfiguration loses it: "Tokens": "x", "Tokens": [] and no Tokens at all look alike once bound, and a reader
/// that only sees the flattened keys would take a misplaced scalar for an empty section.
/// </summary>
internal sealed class JsonKinds
{
    private readonly Dictionary<string, JsonValueKind> _kinds = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The kinds of every key in <paramref name="root"/>, by configuration key path.</summary>
    public static JsonKinds From(JsonElement root)
    {
        var kinds = new JsonKinds();
        kinds.Visit(root, null);
        return kinds;
    }

    /// <summary>The kinds recorded with <paramref name="configuration"/> by <see cref="ConfigSources.Load"/>, if any.</summary>
    public static JsonKinds? Of(IConfiguration configuration) =>
        configuration is IConfigurationRoot root ? root.Providers.OfType<Provider>().LastOrDefault()?.Kinds : null;

    /// <summary>The JSON kind of <paramref name="path"/> in the file; null when the file does not have it.</summary>
    public JsonValueKind? Kind(string path) => _kinds.TryGetValue(path, out var kind) ? kind : null;

    /// <summary>A configuration source that adds no keys and carries these kinds along with the configuration.</summary>
    public IConfigurationSource AsSource() => new Source(this);

    private void Visit(JsonElement element, string? path)
    {
        if (path is not null)
        {
            _kinds[path] = element.ValueKind;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Visit(property.Value, path is null ? property.Name : ConfigurationPath.Combine(path, property.Name));
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Visit(item, ConfigurationPath.Combine(path ?? string.Empty, index++.ToString(CultureInfo.InvariantCulture)));
                }

                break;
        }
    }

    private sealed class Source(JsonKinds kinds) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(kinds);
    }

    private sealed class Provider(JsonKinds kinds) : ConfigurationProvider
    {
        public JsonKinds Kinds => kinds;
    }
}
