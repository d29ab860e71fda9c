using System.Text.Json.Nodes;

namespace Ops.Daemon.Tests.Logging.Support;

/// <summary>The Ops:Logging section pointing opsd at a <see cref="ClefEndpoint"/>.</summary>
internal static class SeqConfig
{
    /// <summary>
    /// Extra Ops sections for <see cref="Ops.Daemon.Tests.Support.Opsd"/>: Logging with Seq at
    /// <paramref name="endpoint"/>, shipped every 200 ms, dropped lines reported every second.
    /// </summary>
    public static JsonObject For(ClefEndpoint endpoint, int? bufferLines = null) => new()
    {
        ["Logging"] = new JsonObject
        {
            ["Level"] = "Debug",
            ["File"] = true,
            ["Seq"] = new JsonObject
            {
                ["ServerUrl"] = endpoint.Url,
                ["ApiKey"] = endpoint.ApiKey,
                ["Period"] = "200ms",
            },
            ["ChildOutput"] = new JsonObject
            {
                ["BufferLines"] = bufferLines ?? 10_000,
                ["DropReportInterval"] = "1s",
            },
        },
    };

    /// <summary>A fresh API key, unlike anything else a test prints.</summary>
    public static string NewApiKey() => "key-" + Guid.NewGuid().ToString("N");

    /// <summary>Files under <paramref name="directory"/> (except those <paramref name="skip"/> names) that contain <paramref name="secret"/>.</summary>
    public static List<string> FilesContaining(string directory, string secret, Func<string, bool>? skip = null)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            if (skip?.Invoke(file) == true)
            {
                continue;
            }

            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                if (reader.ReadToEnd().Contains(secret, StringComparison.Ordinal))
                {
                    found.Add(file);
                }
            }
            catch (IOException)
            {
                // Rotated or deleted while we looked.
            }
        }

        return found;
    }
}
