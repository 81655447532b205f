-- FraiseEvents 0009: a read as of a time costs what the stream costs, not what the log costs.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after the earlier files; idempotent.
-- Replaces get_events_at (0003). Its filter on created_at let the planner combine the stream's key
-- with the BRIN index on created_at: from the sixth call on a connection (a generic plan, made
-- without the parameters' values) a recent as-of time made that bitmap scan visit every page of
-- tb_events, 14 times slower at 5M events than on an empty store. The stream is now read through
-- its primary key alone, behind an optimisation fence (OFFSET 0 keeps the time filter from being
-- pushed into the scan), and the time filter runs on the stream's own rows.
-- CREATE OR REPLACE resets the search_path that 0005 pinned, so the end of this file pins it again.

CREATE OR REPLACE FUNCTION get_events_at(
    p_stream_id    uuid,
    p_as_of        timestamptz,
    p_from_version integer DEFAULT 1)
RETURNS TABLE (event_type text, event_version integer, event_data jsonb, created_at timestamptz,
               id uuid, metadata jsonb, created_by uuid, global_position bigint, schema_version integer,
               tx_id bigint, stream_id uuid)
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
SET enable_seqscan = off
AS $$
#variable_conflict use_column
BEGIN
    -- created_at never decreases within a stream (0002), so the result is a prefix of the stream.
    RETURN QUERY
    SELECT e.event_type::text, e.event_version, e.event_data, e.created_at,
           e.id, e.metadata, e.created_by, e.global_position, e.schema_version, e.tx_id, e.stream_id
    FROM (SELECT * FROM tb_events s
          WHERE s.stream_id = p_stream_id AND s.event_version >= coalesce(p_from_version, 1)
          ORDER BY s.event_version
          OFFSET 0) e
    WHERE e.created_at <= p_as_of
    ORDER BY e.event_version;
END
$$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION get_events_at(uuid, timestamptz, integer) SET search_path = %I, pg_temp', current_schema());
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (9, '0009_time_travel_plan') ON CONFLICT (version) DO NOTHING;
