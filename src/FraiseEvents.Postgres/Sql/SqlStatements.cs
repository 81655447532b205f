namespace FraiseEvents.Postgres;

/// <summary>
/// The only SQL in C#: one-line calls of the functions in <c>migrations/</c> and one-line reads,
/// qualified with the store's schema. Built once per store; values always travel as parameters.
/// </summary>
internal sealed class SqlStatements
{
    private const string EventColumns =
        "id, stream_id, event_version, global_position, tx_id, event_type, schema_version, event_data, metadata, created_by, created_at";

    public SqlStatements(string schema)
    {
        var s = StoreSchema.Quote(schema);
        Append = $"SELECT status, stream_version, global_positions, tx_id, created_at, stream_type FROM {s}.try_append_events($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        AppendToStreams = $"SELECT status, stream_version, global_positions, tx_id, created_at, stream_type FROM {s}.try_append_to_streams($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        ReadStreamForwards = $"SELECT {EventColumns} FROM {s}.tb_events WHERE stream_id = $1 AND event_version >= $2 AND event_version <= $3 ORDER BY event_version";
        ReadStreamBackwards = $"SELECT {EventColumns} FROM {s}.tb_events WHERE stream_id = $1 AND event_version <= $2 ORDER BY event_version DESC LIMIT $3";
        ReadAll = $"SELECT {EventColumns} FROM {s}.tb_events WHERE tx_id < {s}.fe_safe_tx() AND (tx_id, global_position) > ($1, $2) ORDER BY tx_id, global_position LIMIT $3";
        ReadStreams = $"SELECT {EventColumns} FROM {s}.tb_events WHERE stream_id = ANY ($1) ORDER BY stream_id, event_version";
        BulkImportStart = $"SELECT clock_timestamp(), {s}.fe_current_tx()";
        BulkImportStreams = $"COPY {s}.tb_streams (stream_id, stream_type, version, created_at, updated_at) FROM STDIN (FORMAT BINARY)";
        BulkImportEvents = $"COPY {s}.tb_events (id, stream_id, event_type, event_version, event_data, metadata, created_at, created_by, tx_id, schema_version) FROM STDIN (FORMAT BINARY)";
        FirstExistingStream = $"SELECT stream_id, version FROM {s}.tb_streams WHERE stream_id = ANY ($1) LIMIT 1";
        StreamState = $"SELECT version, stream_type, created_at, updated_at FROM {s}.tb_streams WHERE stream_id = $1";
        SchemaVersion = $"SELECT coalesce(max(version), 0) FROM {s}.tb_schema_migrations";
        VerifyStore = $"SELECT next_tx_id, max_tx_id, tx_ids_ok, fsync, synchronous_commit, recorded_system_identifier, system_identifier, recorded_timeline_id, timeline_id FROM {s}.verify_store()";
        AcknowledgeOrigin = $"SELECT {s}.acknowledge_store_origin()";
        ReadSnapshot = $"SELECT snapshot_version, snapshot_data, schema_version, created_at, version_created_at FROM {s}.get_snapshot($1, $2, $3, $4)";
        WriteSnapshot = $"SELECT {s}.create_snapshot($1, $2, $3, $4, $5)";
        // Rides with an append after RequireAppended: writes the snapshot only if the append's last event sits at the snapshot's version.
        WriteSnapshotAfterAppend = $"SELECT {s}.create_snapshot(e.stream_id, e.event_version, $3, $4, $5) FROM {s}.tb_events e WHERE e.stream_id = $1 AND e.event_version = $2 AND e.id = $6";
        RequireAppended = $"SELECT {s}.fe_require_appended($1, $2)";
        EnsureDocumentProjection = $"SELECT {s}.fe_ensure_document_projection($1, $2)";
        EnsureSqlProjection = $"SELECT {s}.fe_ensure_sql_projection($1)";
        // SQL projections' own statements find the store's functions and tables first, as psql users who SET search_path do.
        UseStoreSearchPath = "SELECT set_config('search_path', $1, true)";
        // With ReadSnapshot and StreamState in one batch: the events after the snapshot get_snapshot finds ($2 NULL: none), up to $3.
        ReadStreamAfterSnapshot = $"SELECT {EventColumns} FROM {s}.tb_events WHERE stream_id = $1 AND event_version > coalesce((SELECT snapshot_version FROM {s}.get_snapshot($1, $2, $3, NULL) WHERE $2 IS NOT NULL), 0) AND event_version <= coalesce($3, 2147483647) ORDER BY event_version";
        ReadStreamAsOf = $"SELECT {EventColumns} FROM {s}.get_events_at($1, $2, $3)";
        AuditTrail = $"SELECT {EventColumns} FROM {s}.audit_trail($1, $2, $3, $4, $5, $6)";
        AuditTrailByAuthor = $"SELECT {EventColumns} FROM {s}.audit_trail_by_author($1, $2, $3, $4, $5, $6, $7)";
        ReadLogFiltered = $"SELECT {EventColumns}, matched, rows_read FROM {s}.read_log_filtered($1, $2, $3, $4, $5, $6)";
        LogHead = $"SELECT head_position, oldest_unread_age, held_back FROM {s}.fe_log_head($1, $2)";
        LogHoldUp = $"SELECT pid, application_name, state, xact_start, transaction_age, backend_xid, query_start FROM {s}.fe_log_hold_up()";
        LogChannel = $"SELECT {s}.fe_log_channel()";
        NotifyLog = $"SELECT {s}.fe_notify_log($1)";
        ReadLogEnd = $"SELECT tx_id, global_position FROM {s}.tb_events WHERE tx_id < {s}.fe_safe_tx() ORDER BY tx_id DESC, global_position DESC LIMIT 1";
        ReadCheckpoint = $"SELECT tx_id, global_position FROM {s}.tb_checkpoints WHERE consumer_name = $1 AND log_id = 0";
        AdvanceCheckpoint = $"SELECT {s}.advance_checkpoint($1, $2, $3, $4, $5)";
        AdvanceProjection = $"SELECT {s}.fe_advance_projection($1, $2, $3, $4, $5, $6)";
        ApplyProjectionDocuments = $"SELECT {s}.fe_apply_projection_documents($1, $2, $3, $4, $5, $6)";
        TryLockProjection = $"SELECT {s}.fe_try_lock_projection($1)";
        UnlockProjection = $"SELECT {s}.fe_unlock_projection($1)";
        TryJoinProjectionDaemons = $"SELECT {s}.fe_try_join_projection_daemons($1)";
        LeaveProjectionDaemons = $"SELECT {s}.fe_leave_projection_daemons($1)";
        CountProjectionDaemons = $"SELECT {s}.fe_count_projection_daemons()";
        RecordDeadLetters = $"SELECT {s}.fe_record_dead_letters($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        ReleaseDeadLetters = $"SELECT {s}.fe_release_dead_letters($1, $2)";
        ReadDeadLetters = $"SELECT event_id, stream_id, tx_id, global_position, event_type, error_type, error_message, attempts, parked_key, recorded_at FROM {s}.fe_read_dead_letters($1)";
        ReadParkedKeys = $"SELECT k FROM {s}.fe_parked_keys($1) AS k";
        IndexEventsByAuthor = $"SELECT {s}.fe_index_events_by_author()";
        StartRebuild = $"SELECT {s}.fe_start_projection_rebuild($1)";
        ReadRebuildDocuments = $"SELECT id, data, revision, deleted FROM {s}.fe_read_rebuild_documents($1, $2)";
        ApplyRebuildDocuments = $"SELECT {s}.fe_apply_rebuild_documents($1, $2, $3, $4, $5, $6)";
        SwapRebuild = $"SELECT {s}.fe_swap_projection_rebuild($1, $2, $3, $4, $5)";
        DropRebuild = $"SELECT {s}.fe_drop_projection_rebuild($1)";
    }

    /// <summary>Records the events an async projection's batch set aside (dead letters, parked events), with the batch.</summary>
    public string RecordDeadLetters { get; }

    /// <summary>Removes the set-aside events a replay applied, with the replay's writes.</summary>
    public string ReleaseDeadLetters { get; }

    /// <summary>A projection's set-aside events, in log order.</summary>
    public string ReadDeadLetters { get; }

    /// <summary>A projection's parked keys.</summary>
    public string ReadParkedKeys { get; }

    /// <summary>A rebuild's fresh shadow table and checkpoint (0015).</summary>
    public string StartRebuild { get; }

    /// <summary>Documents of a rebuild's shadow table, by key.</summary>
    public string ReadRebuildDocuments { get; }

    /// <summary>A rebuild batch's documents, into the shadow table.</summary>
    public string ApplyRebuildDocuments { get; }

    /// <summary>The blue/green swap of a rebuilt projection: true when done, false when a checkpoint moved.</summary>
    public string SwapRebuild { get; }

    /// <summary>Drops a rebuild's shadow table and checkpoint.</summary>
    public string DropRebuild { get; }

    /// <summary>An async projection batch's checkpoint compare-and-set: raises FE010 when the checkpoint moved.</summary>
    public string AdvanceProjection { get; }

    /// <summary>An async document projection batch's documents, with the version and position of each one's last event.</summary>
    public string ApplyProjectionDocuments { get; }

    /// <summary>Takes an async projection's session lock, without waiting: true when taken.</summary>
    public string TryLockProjection { get; }

    public string UnlockProjection { get; }

    /// <summary>Takes a projection daemon's member slot (a session lock), without waiting: true when taken.</summary>
    public string TryJoinProjectionDaemons { get; }

    public string LeaveProjectionDaemons { get; }

    /// <summary>How many member slots of the store are held: its live projection daemons.</summary>
    public string CountProjectionDaemons { get; }

    /// <summary>A round trip on a projection lock's connection: it fails once the session is gone, and the lock with it.</summary>
    public string Ping => "SELECT 1";

    /// <summary>Creates the opt-in author index if it is missing; true when it did.</summary>
    public string IndexEventsByAuthor { get; }

    public string ReadLogFiltered { get; }

    /// <summary><c>fe_log_head</c>: how far behind a reader at a position is, and whether the log is held back.</summary>
    public string LogHead { get; }

    /// <summary><c>fe_log_hold_up</c>: the transaction holding the log's visible end back; no row when none.</summary>
    public string LogHoldUp { get; }

    /// <summary><c>fe_log_channel</c>: the store's notification channel.</summary>
    public string LogChannel { get; }

    /// <summary><c>fe_notify_log</c>: announces appends on the store's channel.</summary>
    public string NotifyLog { get; }

    /// <summary>Names the listener's session; the name is a parameter.</summary>
    public string SetApplicationName { get; } = "SELECT set_config('application_name', $1, false)";

    /// <summary>Leaves a listener's pooled connection as it was found before it goes back to the pool.</summary>
    public string StopListening { get; } = "UNLISTEN *; RESET application_name";

    /// <summary>A round trip on a silent listener connection, to notice one the network dropped.</summary>
    public string KeepAlive { get; } = "SELECT 1";

    /// <summary>
    /// <c>LISTEN</c> takes no parameters: the channel, as <c>fe_log_channel</c> returned it, is quoted
    /// as an identifier here (any double quote doubled), so that it is used exactly as given.
    /// </summary>
    public static string Listen(string channel) => $"LISTEN \"{channel.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public string ReadLogEnd { get; }

    public string ReadCheckpoint { get; }

    public string AdvanceCheckpoint { get; }

    public string ReadSnapshot { get; }

    public string WriteSnapshot { get; }

    public string WriteSnapshotAfterAppend { get; }

    public string RequireAppended { get; }

    public string EnsureDocumentProjection { get; }

    public string EnsureSqlProjection { get; }

    public string UseStoreSearchPath { get; }

    public string ReadStreamAfterSnapshot { get; }

    public string ReadStreamAsOf { get; }

    public string AuditTrail { get; }

    public string AuditTrailByAuthor { get; }

    public string Append { get; }

    /// <summary><c>try_append_to_streams</c>: one row per stream, in the order given.</summary>
    public string AppendToStreams { get; }

    public string ReadStreamForwards { get; }

    public string ReadStreamBackwards { get; }

    public string ReadAll { get; }

    public string ReadStreams { get; }

    public string BulkImportStart { get; }

    public string BulkImportStreams { get; }

    public string BulkImportEvents { get; }

    public string FirstExistingStream { get; }

    public string StreamState { get; }

    public string SchemaVersion { get; }

    public string VerifyStore { get; }

    public string AcknowledgeOrigin { get; }
}
