-- FraiseEvents 0008: a filtered read of the global log, for subscriptions.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0007; idempotent. Run it as the
-- role that owns the store, as 0005 and later. No table changes: subscriptions keep their
-- checkpoints in tb_checkpoints (0001) through advance_checkpoint (0002).

-- read_log (0002) with filters. It reads the same rows read_log reads (at most p_limit events
-- after the checkpoint, below fe_safe_tx(), in (tx_id, global_position) order) and returns those
-- whose event type is in p_event_types and whose stream's type is in p_stream_types (NULL: any),
-- with matched = true. When the last row read does not match, it comes as well, with
-- matched = false and only tx_id and global_position set: the consumer moves its checkpoint to it,
-- so that a log full of events it does not want still moves its checkpoint instead of making it
-- read the same rows again. rows_read (the same on every row) counts the rows read, matching or
-- not: fewer than p_limit means the reader is at the visible end of the log.
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

-- fe_grant_store_access grants read_log_filtered to both kinds of role from 0010 on, which
-- lists the functions it grants in tb_store_functions; roles granted before are granted below.

DO $$
DECLARE
    v_schema  text := current_schema();
    v_grantee text;
BEGIN
    -- As 0005 does for every function: the store's schema, then pg_temp, so that no temporary
    -- table of the caller's can stand in for a store table.
    EXECUTE format('ALTER FUNCTION read_log_filtered(bigint, bigint, integer, text[], text[]) SET search_path = %I, pg_temp', v_schema);

    -- Whoever may read the log through read_log may read it through read_log_filtered.
    FOR v_grantee IN
        SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = format('%I.read_log(bigint, bigint, integer)', v_schema)::regprocedure
          AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.read_log_filtered(bigint, bigint, integer, text[], text[]) TO %s', v_schema, v_grantee);
    END LOOP;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (8, '0008_subscriptions') ON CONFLICT (version) DO NOTHING;
