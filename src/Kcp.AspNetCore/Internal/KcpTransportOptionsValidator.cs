using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Internal;

/// <summary>Fails start-up (with ValidateOnStart) on invalid transport defaults; each message names the setting and its value.</summary>
internal sealed class KcpTransportOptionsValidator : IValidateOptions<KcpTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, KcpTransportOptions options)
    {
        var errors = new List<string>(options.ConfigurationErrors);
        errors.AddRange(options.Defaults.GetValidationErrors());
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
