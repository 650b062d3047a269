using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Fails start-up (with ValidateOnStart) on anything wrong in the <c>Kcp</c> section or the transport defaults; each
/// message names the setting as written and its value. The checks themselves ran in <see cref="KcpTransportOptionsSetup"/>.
/// </summary>
internal sealed class KcpTransportOptionsValidator : IValidateOptions<KcpTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, KcpTransportOptions options)
        => options.ConfigurationErrors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(options.ConfigurationErrors);
}
