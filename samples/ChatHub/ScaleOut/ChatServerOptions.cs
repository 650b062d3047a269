using System.ComponentModel.DataAnnotations;

namespace ChatHubSample.ScaleOut;

/// <summary>
/// The <c>ChatHub</c> section: who this server is among several (README, "Running more than one server"). Checked at
/// start-up (<c>ValidateOnStart</c>); a bad value stops the server naming the key.
/// </summary>
internal sealed class ChatServerOptions
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
}
