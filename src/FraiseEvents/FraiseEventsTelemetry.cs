using System.Reflection;

namespace FraiseEvents;

/// <summary>
/// The names under which FraiseEvents reports traces and metrics. Subscribe to them with
/// OpenTelemetry (<c>tracing.AddSource(FraiseEventsTelemetry.ActivitySourceName)</c>,
/// <c>metrics.AddMeter(FraiseEventsTelemetry.MeterName)</c>) or any
/// <see cref="System.Diagnostics.ActivityListener"/> and <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// Nothing is measured, and almost nothing costs, while no one listens.
/// </summary>
public static class FraiseEventsTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> of every FraiseEvents span.</summary>
    public const string ActivitySourceName = "FraiseEvents";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> of every FraiseEvents instrument.</summary>
    public const string MeterName = "FraiseEvents";

    /// <summary>
    /// The version reported with the source and the meter: the version of the FraiseEvents package
    /// loaded at run time (a property rather than a constant, which would be the version the
    /// caller was compiled against).
    /// </summary>
    public static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var assembly = typeof(FraiseEventsTelemetry).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        // SourceLink appends "+<commit>", which is not part of the package version.
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
    }
}
