using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// KCP endpoints are read once, at start-up. When configuration reloads with a changed <c>Kcp</c> section this logs
/// which keys changed (never their values: <c>Key</c> is a secret) and that a restart applies them, instead of
/// leaving the change silently ignored.
/// </summary>
internal sealed class KcpConfigurationChangeLogger(IConfiguration configuration, ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(KcpAspNetCoreLog.Category);
    private readonly Lock _lock = new();
    private Dictionary<string, string?> _seen = [];
    private IDisposable? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _seen = Snapshot();
        _registration = ChangeToken.OnChange(configuration.GetReloadToken, OnReload);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Interlocked.Exchange(ref _registration, null)?.Dispose();

    private void OnReload()
    {
        Dictionary<string, string?> now = Snapshot();
        List<string> changed;
        lock (_lock)
        {
            changed = [.. now.Keys.Union(_seen.Keys, StringComparer.OrdinalIgnoreCase)
                .Where(key => !_seen.TryGetValue(key, out string? before) || !now.TryGetValue(key, out string? after) || !string.Equals(before, after, StringComparison.Ordinal))
                .Order(StringComparer.OrdinalIgnoreCase)];
            _seen = now;
        }

        if (changed.Count > 0)
        {
            KcpAspNetCoreLog.ConfigurationChangeIgnored(_logger, string.Join(", ", changed));
        }
    }

    private Dictionary<string, string?> Snapshot()
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, string?> pair in configuration.GetSection(KcpTransportOptions.SectionName).AsEnumerable())
        {
            if (pair.Value is not null)
            {
                values[pair.Key] = pair.Value;
            }
        }

        return values;
    }
}
