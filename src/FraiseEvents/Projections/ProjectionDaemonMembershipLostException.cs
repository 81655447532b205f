namespace FraiseEvents.Projections;

/// <summary>A daemon's membership ended under it (in PostgreSQL: its session was terminated); the daemon joins again.</summary>
internal sealed class ProjectionDaemonMembershipLostException(string message, Exception? inner = null) : Exception(message, inner);
