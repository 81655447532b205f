-- FraiseEvents 0012: waking consumers of the log (a notification channel per store), a filter by
-- stream id for read_log_filtered, and what holds the log's visible end back.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after the earlier files; idempotent. Run it
-- as the role that owns the store (see 0005). No table changes.

-- read_log_filtered (0008) with a third filter, p_stream_ids (NULL: any stream). The same rows are
-- read (at most p_limit events after the checkpoint, below fe_safe_tx(), in (tx_id, global_position)
-- order) and the last row read still comes as a marker when it does not match, so the checkpoint
-- moves past events every filter leaves out. This overload has no defaults, so that a call with
-- three to five arguments still finds 0008's function alone (two candidates with defaults would
-- make such a call ambiguous); 0008's function now calls this one, so the rule exists once.
CREATE OR REPLACE FUNCTION read_log_filtered(
    p_after_tx_id       bigint,
    p_after_position    bigint,
    p_limit             integer,
    p_event_types       text[],
    p_stream_types      text[],
    p_stream_ids        uuid[])
RETURNS TABLE (id uuid, stream_id uuid, event_version integer, global_position bigint, tx_id bigint, event_type text,
               schema_version integer, event_data jsonb, metadata jsonb, created_by uuid, created_at timestamptz,
               matched boolean, rows_read integer)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    WITH scanned AS MATERIALIZED (
        -- The poll of docs/global-log-ordering.md, through idx_events_tx_position: no sort.
        SELECT e.tx_id, e.global_position, e.stream_id, e.event_type
        FROM tb_events e
        WHERE e.tx_id < fe_safe_tx()
          AND (e.tx_id, e.global_position) > (p_after_tx_id, p_after_position)
        ORDER BY e.tx_id, e.global_position
        LIMIT p_limit
    ), picked AS (
        SELECT s.tx_id, s.global_position,
               (p_event_types IS NULL OR s.event_type = ANY (p_event_types))
               AND (p_stream_ids IS NULL OR s.stream_id = ANY (p_stream_ids))
               AND (p_stream_types IS NULL
                    OR EXISTS (SELECT FROM tb_streams st WHERE st.stream_id = s.stream_id AND st.stream_type = ANY (p_stream_types))) AS matched,
               (s.tx_id, s.global_position) = (SELECT l.tx_id, l.global_position FROM scanned l
                                               ORDER BY l.tx_id DESC, l.global_position DESC LIMIT 1) AS last_read,
               (SELECT count(*) FROM scanned)::integer AS rows_read
        FROM scanned s
    )
    -- Only the matching rows' payloads are read.
    SELECT e.id, e.stream_id, e.event_version, p.global_position, p.tx_id, e.event_type::text, e.schema_version,
           e.event_data, e.metadata, e.created_by, e.created_at, p.matched, p.rows_read
    FROM picked p
    LEFT JOIN tb_events e ON p.matched AND e.tx_id = p.tx_id AND e.global_position = p.global_position
    WHERE p.matched OR p.last_read
    ORDER BY p.tx_id, p.global_position
$$;

-- 0008's signature, kept for its callers (older libraries, psql users), now reading through the
-- overload above. CREATE OR REPLACE keeps its grants and defaults; its search_path is pinned again below.
CREATE OR REPLACE FUNCTION read_log_filtered(
    p_after_tx_id       bigint,
    p_after_position    bigint,
    p_limit             integer,
    p_event_types       text[] DEFAULT NULL,
    p_stream_types      text[] DEFAULT NULL)
RETURNS TABLE (id uuid, stream_id uuid, event_version integer, global_position bigint, tx_id bigint, event_type text,
               schema_version integer, event_data jsonb, metadata jsonb, created_by uuid, created_at timestamptz,
               matched boolean, rows_read integer)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT * FROM read_log_filtered(p_after_tx_id, p_after_position, p_limit, p_event_types, p_stream_types, NULL::uuid[])
$$;

-- The channel the store's appends are announced on: one per schema, so that listeners of one store
-- are not woken by another's appends. A channel name is at most 63 bytes; a schema name too long
-- to fit after the prefix is replaced by its md5 (two such schemas could only share a channel if
-- their md5s matched; a shared channel would cost extra reads, never a missed event).
CREATE OR REPLACE FUNCTION fe_log_channel() RETURNS text
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT 'fraiseevents_' || CASE WHEN octet_length(current_schema()) <= 50 THEN current_schema() ELSE md5(current_schema()) END
$$;

-- Announces appends to the store's listeners. The library calls it after an append committed, in
-- a transaction of its own (see docs/subscriptions.md: a NOTIFY inside the appending transaction
-- would serialise concurrent commits). The payload is free text: the library sends the id of the
-- store instance that appended, so that the instance does not wake itself twice. SQL callers of
-- append_event may call it after their commit; otherwise their events are found by polling.
CREATE OR REPLACE FUNCTION fe_notify_log(p_payload text DEFAULT '') RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$ BEGIN PERFORM pg_notify(fe_log_channel(), coalesce(p_payload, '')); END $$;

-- How far behind a reader that has read up to (p_after_tx_id, p_after_position) is, for status and
-- health: head_position is the last global position taken (the log's head, visible or not);
-- oldest_unread_age how long ago (by the server's clock) the next event in the reader's order was
-- appended, the oldest it has not read, NULL when there is none; held_back whether committed events
-- wait beyond the visible end (fe_safe_tx()) because an older transaction that took a transaction
-- id is still open. Three index probes; PL/pgSQL so that the plans are kept per session.
CREATE OR REPLACE FUNCTION fe_log_head(p_after_tx_id bigint, p_after_position bigint)
RETURNS TABLE (head_position bigint, oldest_unread_age interval, held_back boolean)
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $$
BEGIN
    -- The last event in log order, through idx_events_tx_position (0013 dropped the index on
    -- global_position alone): within a transaction or two of the highest position taken, which is
    -- as exact as a lag figure needs to be.
    head_position := coalesce((SELECT e.global_position FROM tb_events e ORDER BY e.tx_id DESC, e.global_position DESC LIMIT 1), 0);
    oldest_unread_age := clock_timestamp() - (SELECT e.created_at FROM tb_events e
                                             WHERE (e.tx_id, e.global_position) > (p_after_tx_id, p_after_position)
                                             ORDER BY e.tx_id, e.global_position LIMIT 1);
    held_back := EXISTS (SELECT FROM tb_events e WHERE e.tx_id >= fe_safe_tx());
    RETURN NEXT;
END
$$;

-- What holds the log back: when committed events of this store wait beyond the visible end, the
-- oldest open transaction of the cluster that took a transaction id (it sets fe_safe_tx()), or a
-- prepared transaction; no row otherwise. Transaction ids are cluster-wide, so the holder can be
-- in another database. Only these columns, never the query text. It runs as the store's owner
-- (SECURITY DEFINER) so that the application's role can call it; pid, application_name and
-- backend_xid are visible to every role, while state and times of another role's session are NULL
-- unless the owner may see them (a member of that role, or of pg_read_all_stats).
CREATE OR REPLACE FUNCTION fe_log_hold_up()
RETURNS TABLE (pid integer, application_name text, state text, xact_start timestamptz, transaction_age interval,
               backend_xid bigint, query_start timestamptz)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT h.pid, h.application_name, h.state, h.xact_start, clock_timestamp() - h.xact_start, h.xid::text::bigint, h.query_start
    FROM (
        SELECT a.pid, a.application_name::text, a.state::text, a.xact_start, a.backend_xid AS xid, a.query_start
        FROM pg_stat_activity a
        WHERE a.backend_xid IS NOT NULL
        UNION ALL
        SELECT NULL::integer, NULL::text, 'prepared', p.prepared, p.transaction, NULL::timestamptz
        FROM pg_prepared_xacts p
    ) h
    WHERE EXISTS (SELECT FROM tb_events e WHERE e.tx_id >= fe_safe_tx())
    ORDER BY age(h.xid) DESC
    LIMIT 1
$$;

INSERT INTO tb_store_functions (function_name, writes)
VALUES ('fe_log_channel', false), ('fe_log_head', false), ('fe_log_hold_up', false), ('fe_notify_log', true)
ON CONFLICT (function_name) DO NOTHING;

DO $$
DECLARE
    v_schema   text := current_schema();
    v_function regprocedure;
    v_role     text;
BEGIN
    -- As 0005 does for every function: the store's schema, then pg_temp, so that no temporary
    -- table of the caller's can stand in for a store table (fe_log_hold_up runs as the owner).
    FOREACH v_function IN ARRAY ARRAY[
        'read_log_filtered(bigint, bigint, integer, text[], text[], uuid[])', 'read_log_filtered(bigint, bigint, integer, text[], text[])',
        'fe_log_channel()', 'fe_notify_log(text)', 'fe_log_head(bigint, bigint)', 'fe_log_hold_up()']::regprocedure[]
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', v_function, v_schema);
    END LOOP;
    EXECUTE 'ALTER FUNCTION fe_log_hold_up() SECURITY DEFINER';
    EXECUTE 'REVOKE EXECUTE ON FUNCTION fe_log_hold_up() FROM PUBLIC';
    EXECUTE 'REVOKE EXECUTE ON FUNCTION fe_notify_log(text) FROM PUBLIC';

    -- Roles granted the store before this file get what it adds (PUBLIC keeps EXECUTE on the
    -- reads, as on 0008's, and gets nothing of what is revoked above): readers (who may call
    -- read_log) the reads, the application's role (who may append) also fe_notify_log.
    FOR v_role IN
        SELECT DISTINCT quote_ident(pg_get_userbyid(a.grantee))
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = 'read_log(bigint, bigint, integer)'::regprocedure
          AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION read_log_filtered(bigint, bigint, integer, text[], text[], uuid[]), fe_log_channel(), '
                       'fe_log_head(bigint, bigint), fe_log_hold_up() TO %s', v_role);
    END LOOP;
    FOR v_role IN
        SELECT DISTINCT quote_ident(pg_get_userbyid(a.grantee))
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = 'try_append_events(uuid, bigint, uuid[], text[], jsonb[], jsonb[], integer[], uuid[], text)'::regprocedure
          AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION fe_notify_log(text) TO %s', v_role);
    END LOOP;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (12, '0012_notifications') ON CONFLICT (version) DO NOTHING;
