using Microsoft.Extensions.Options;

namespace Ops.Daemon.Configuration;

/// <summary>Start-up validation: the host refuses to start on any configuration error, each with its key path.</summary>
internal sealed class OpsSettingsValidator : IValidateOptions<OpsSettings>
{
    public ValidateOptionsResult Validate(string? name, OpsSettings options) =>
        options.Errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(options.Errors.Select(e => e.ToString()));
}
