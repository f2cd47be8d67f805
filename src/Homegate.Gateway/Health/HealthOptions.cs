namespace Homegate.Gateway.Health;

/// <summary>Readiness probing: configuration section <c>Homegate:Health</c>.</summary>
internal sealed class HealthOptions
{
    public const string SectionName = "Homegate:Health";

    /// <summary>How long the readiness probe waits for the database's <c>SELECT 1</c>. Default 00:00:02.</summary>
    public TimeSpan DatabaseTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
