namespace FraiseEvents.Postgres;

/// <summary>The SQLSTATEs the store tells apart: PostgreSQL's own and those our functions raise.</summary>
internal static class PostgresErrorCodes
{
    public const string WrongExpectedVersion = "FE001";
    public const string EventIdConflict = "FE002";
    public const string StreamTypeMismatch = "FE003";
    public const string EventLogIsAppendOnly = "FE004";
    public const string InvalidArgument = "FE005";
    public const string SnapshotOfMissingVersion = "FE006";
    public const string AppendNotWritten = "FE007";
    public const string DocumentChanged = "FE008";
    public const string ProjectionShapeChanged = "FE009";
    public const string ProjectionCheckpointMoved = "FE010";

    public const string UniqueViolation = "23505";
    public const string SerializationFailure = "40001";
    public const string DeadlockDetected = "40P01";
    public const string InvalidTextRepresentation = "22P02";
    public const string UntranslatableCharacter = "22P05";
    public const string StringDataRightTruncation = "22001";
    public const string UndefinedTable = "42P01";
    public const string UndefinedFunction = "42883";
    public const string InvalidSchemaName = "3F000";
    public const string InvalidPassword = "28P01";
    public const string InvalidAuthorizationSpecification = "28000";
    public const string InvalidCatalogName = "3D000";
    public const string InsufficientPrivilege = "42501";

    // The unique (stream_id, id) constraint that 0013 dropped: the append itself refuses reused
    // ids (FE002). Still mapped, for a store whose owner adds the constraint back by hand.
    public const string EventIdConstraint = "uq_tb_events_stream_event_id";
}
