using System.Diagnostics;

namespace FraiseEvents.Diagnostics;

/// <summary>The one <see cref="ActivitySource"/> of the library, shared by every store and repository.</summary>
internal static class FraiseEventsActivitySource
{
    /// <summary>
    /// Static because System.Diagnostics is built that way: listeners subscribe by name, the
    /// source keeps no state of ours, and one instance per store would only multiply the
    /// listener bookkeeping. Immutable once created.
    /// </summary>
    public static readonly ActivitySource Instance = new(FraiseEventsTelemetry.ActivitySourceName, FraiseEventsTelemetry.Version);
}
