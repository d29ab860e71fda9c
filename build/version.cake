// The product version: VersionPrefix in Directory.Build.props, plus --version-suffix=S (e.g. ci.42) when given;
// --package-version=V replaces it whole. (Not --version: that is Cake's own option.)
using System.Text.RegularExpressions;

public sealed record ProductVersion(string Prefix, string Suffix)
{
    public string Full => string.IsNullOrEmpty(Suffix) ? Prefix : $"{Prefix}-{Suffix}";

    /// <summary>MSBuild properties that stamp the same version into the binaries (opsd --version).</summary>
    public IDictionary<string, string> MSBuildProperties => new Dictionary<string, string>
    {
        ["VersionPrefix"] = Prefix,
        ["VersionSuffix"] = Suffix ?? string.Empty,
    };
}

public ProductVersion ResolveVersion()
{
    var whole = Argument<string>("package-version", null);
    var suffix = Argument<string>("version-suffix", null);
    if (!string.IsNullOrWhiteSpace(whole))
    {
        var dash = whole.IndexOf('-');
        return dash < 0 ? new ProductVersion(whole, suffix) : new ProductVersion(whole[..dash], whole[(dash + 1)..]);
    }

    var props = System.IO.File.ReadAllText(Paths.BuildProps);
    var match = Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>");
    if (!match.Success)
    {
        throw new CakeException($"Version: no <VersionPrefix> in {Paths.BuildProps}; add one or pass --package-version=1.2.3");
    }

    var version = new ProductVersion(match.Groups[1].Value.Trim(), suffix);
    if (!Regex.IsMatch(version.Full, @"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$"))
    {
        throw new CakeException($"Version: '{version.Full}' is not a semantic version like 1.2.3 or 1.2.3-ci.42");
    }

    return version;
}
