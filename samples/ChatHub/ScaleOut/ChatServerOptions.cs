using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ChatHubSample.ScaleOut;

/// <summary>
/// The <c>ChatHub</c> section: who this server is among several and how often the hub pings its clients, which a load
/// balancer's idle timeout must exceed (README, "Running more than one server"). Checked at start-up
/// (<c>ValidateOnStart</c>); a bad value stops the server naming the key.
/// </summary>
internal sealed class ChatServerOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ChatHub";

    /// <summary>
    /// This server's name, which the hub's <c>GetServerName</c> returns and the banner prints, so that a client (or a
    /// test) behind a load balancer can tell which backend serves it. Default: the machine name and the process id.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [StringLength(64, MinimumLength = 1)]
    [RegularExpression(@"^[A-Za-z0-9._:/-]+$", ErrorMessage = "ChatHub:ServerName may hold letters, digits and . _ : / - only.")]
    public string ServerName { get; set; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// How often the hub pings a silent client (SignalR's <c>HubOptions.KeepAliveInterval</c>, 15 s by default): the
    /// longest silence of a live KCP session, which a UDP load balancer's idle timeout (nginx <c>proxy_timeout</c>)
    /// must exceed. Clients ping at their own interval (15 s by default) too.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "ChatHub:KeepAliveInterval must be between 100 ms and 1 hour.")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A client silent for this long is dropped (SignalR's <c>HubOptions.ClientTimeoutInterval</c>, 30 s by default);
    /// at least twice the clients' keep-alive interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "02:00:00", ErrorMessage = "ChatHub:ClientTimeoutInterval must be between 200 ms and 2 hours.")]
    public TimeSpan ClientTimeoutInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ClientTimeoutInterval <= KeepAliveInterval)
        {
            yield return new ValidationResult(
                $"ChatHub:ClientTimeoutInterval ({ClientTimeoutInterval}) must be longer than ChatHub:KeepAliveInterval ({KeepAliveInterval}); SignalR advises twice as long.",
                [nameof(ClientTimeoutInterval)]);
        }
    }

    /// <summary>Copies the keep-alive settings onto SignalR's hub options.</summary>
    internal sealed class ApplyToHub(IOptions<ChatServerOptions> server) : IConfigureOptions<Microsoft.AspNetCore.SignalR.HubOptions>
    {
        public void Configure(Microsoft.AspNetCore.SignalR.HubOptions options)
        {
            options.KeepAliveInterval = server.Value.KeepAliveInterval;
            options.ClientTimeoutInterval = server.Value.ClientTimeoutInterval;
        }
    }
}
