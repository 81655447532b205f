-- FraiseEvents 0010: atomic appends to several streams, and the functions each role may call
-- recorded as data.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after the earlier files; idempotent. Run it
-- as the role that owns the store (see 0005). Error codes raised here: FE005 invalid argument.

-- The functions fe_grant_store_access grants, one row each: readers get EXECUTE on every row,
-- the application's role also on the rows that write. 0005 listed them in the function's body, so
-- each later file that adds a function had to replace that body with a longer copy; now it adds
-- a row. (Owner-only functions are not listed: nobody else may call them.)
CREATE TABLE IF NOT EXISTS tb_store_functions (
    function_name text    NOT NULL,
    writes        boolean NOT NULL,
    CONSTRAINT pk_tb_store_functions PRIMARY KEY (function_name)
);

INSERT INTO tb_store_functions (function_name, writes)
SELECT f.name, f.writes
FROM (VALUES ('fe_current_tx', false), ('fe_safe_tx', false), ('get_events', false), ('read_log', false),
             ('verify_store', false), ('get_snapshot', false), ('get_events_at', false), ('audit_trail', false),
             ('audit_trail_by_author', false), ('user_audit_trail', false), ('acknowledge_store_origin', false),
             ('fe_ensure_document_projection', false), ('fe_ensure_sql_projection', false), ('read_log_filtered', false),
             ('try_append_events', true), ('append_events', true), ('append_event', true), ('fe_require_appended', true),
             ('create_snapshot', true), ('advance_checkpoint', true), ('try_append_to_streams', true)) AS f(name, writes)
ON CONFLICT (function_name) DO NOTHING;

-- As in 0005, with the functions read from tb_store_functions.
CREATE OR REPLACE FUNCTION fe_grant_store_access(p_role name, p_write boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_schema   text := current_schema();
    v_function regprocedure;
    v_name     text;
BEGIN
    IF p_role IS NULL OR NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = p_role) THEN
        RAISE EXCEPTION 'role % does not exist: create it first (CREATE ROLE % LOGIN ...)', p_role, quote_ident(p_role)
            USING ERRCODE = 'FE005';
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', v_schema, p_role);
    EXECUTE format('GRANT SELECT ON %1$I.tb_schema_migrations, %1$I.tb_store_info, %1$I.tb_streams, %1$I.tb_events, '
                   '%1$I.tb_snapshots, %1$I.tb_checkpoints, %1$I.tb_projections, %1$I.tb_store_functions TO %2$I', v_schema, p_role);
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p
        JOIN tb_store_functions f ON f.function_name = p.proname
        WHERE p.pronamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = v_schema)
          AND (p_write OR NOT f.writes)
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_function, p_role);
    END LOOP;
    FOR v_name IN SELECT p.name FROM tb_projections p WHERE p.kind = 'document' ORDER BY p.name LOOP
        EXECUTE format('GRANT SELECT ON %1$I.%2$I, %1$I.%3$I TO %4$I', v_schema, 'proj_' || v_name, 'v_' || v_name, p_role);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(text[]) TO %I', v_schema, 'fe_read_proj_' || v_name, p_role);
        IF p_write THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(text[], bigint[], jsonb[], boolean[], uuid[], uuid[]) TO %I',
                           v_schema, 'fe_write_proj_' || v_name, p_role);
        END IF;
    END LOOP;
END
$$;

-- Appends to several streams in one transaction, each with its own expected version: all or
-- nothing. The events come flattened, stream after stream (p_event_counts says how many each
-- stream has); one row comes back per stream, in the order given, with try_append_events' columns
-- and statuses. Either every status is 0 (appended) or every status is 1 (the whole call was
-- stored before: a retry), or nothing was written: the streams that did not match say why
-- (2 wrong expected version, 3 ids already used, 4 stream type), and a stream that holds its
-- events already while another does not reports 3 (part of the call cannot have been stored
-- without the rest). Streams report -1 when they would have been written but were not, because of
-- another stream.
CREATE OR REPLACE FUNCTION try_append_to_streams(
    p_stream_ids        uuid[],
    p_expected_versions bigint[],
    p_stream_types      text[],
    p_event_counts      integer[],
    p_event_ids         uuid[],
    p_event_types       text[],
    p_event_data        jsonb[],
    p_metadata          jsonb[]   DEFAULT NULL,
    p_schema_versions   integer[] DEFAULT NULL,
    p_created_by        uuid[]    DEFAULT NULL)
RETURNS TABLE (status integer, stream_version integer, global_positions bigint[], tx_id bigint,
               created_at timestamptz, stream_type text)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    v_streams   integer := coalesce(cardinality(p_stream_ids), 0);
    v_events    integer := coalesce(cardinality(p_event_ids), 0);
    v_result    record;
    -- One element per stream (positions: per event, stream after stream), kept in variables,
    -- which a rolled-back subtransaction does not undo.
    v_status    integer[] := '{}';
    v_version   integer[] := '{}';
    v_positions bigint[] := '{}';
    v_tx        bigint[] := '{}';
    v_created   timestamptz[] := '{}';
    v_type      text[] := '{}';
    v_offset    integer := 0;
    v_count     integer;
    v_appended  integer := 0;
    v_retried   integer := 0;
    v_whole     boolean;
BEGIN
    IF v_streams = 0 THEN
        RAISE EXCEPTION 'an append to several streams needs at least one stream' USING ERRCODE = 'FE005';
    END IF;
    IF cardinality(p_expected_versions) IS DISTINCT FROM v_streams OR cardinality(p_event_counts) IS DISTINCT FROM v_streams
       OR (p_stream_types IS NOT NULL AND cardinality(p_stream_types) <> v_streams) THEN
        RAISE EXCEPTION 'append to % streams: every per-stream array needs one element per stream', v_streams USING ERRCODE = 'FE005';
    END IF;
    IF (SELECT sum(c) FROM unnest(p_event_counts) AS c) IS DISTINCT FROM v_events
       OR EXISTS (SELECT FROM unnest(p_event_counts) AS c WHERE c IS NULL OR c < 1) THEN
        RAISE EXCEPTION 'append to % streams: each stream needs at least one event, and the counts must add up to the % events given',
            v_streams, v_events USING ERRCODE = 'FE005';
    END IF;
    IF (SELECT count(DISTINCT i) FROM unnest(p_stream_ids) AS i) <> v_streams THEN
        RAISE EXCEPTION 'append to % streams: a stream appears twice; put all of a stream''s events in one entry', v_streams
            USING ERRCODE = 'FE005';
    END IF;

    -- Every stream's lock first, in one global order (the order of the lock keys), so that two
    -- calls naming the same streams in different orders queue instead of deadlocking. Each
    -- try_append_events below then takes its stream's lock again, at once.
    PERFORM pg_advisory_xact_lock(k.key)
    FROM (SELECT DISTINCT uuid_hash_extended(i, 0) AS key FROM unnest(p_stream_ids) AS i ORDER BY 1) k;

    -- In a block with a handler: a subtransaction, so that a refusal after other streams were
    -- written undoes them, and the outcomes (kept in variables, which are not rolled back) can
    -- still be returned as rows instead of one error. Every stream is tried, so that every one
    -- that does not match is named.
    BEGIN
        FOR i IN 1 .. v_streams LOOP
            v_count := p_event_counts[i];
            SELECT * INTO v_result
            FROM try_append_events(p_stream_ids[i], p_expected_versions[i],
                                   p_event_ids[v_offset + 1 : v_offset + v_count],
                                   p_event_types[v_offset + 1 : v_offset + v_count],
                                   p_event_data[v_offset + 1 : v_offset + v_count],
                                   p_metadata[v_offset + 1 : v_offset + v_count],
                                   p_schema_versions[v_offset + 1 : v_offset + v_count],
                                   p_created_by[v_offset + 1 : v_offset + v_count],
                                   p_stream_types[i]);
            v_status := v_status || v_result.status;
            v_version := v_version || v_result.stream_version;
            v_positions := v_positions || coalesce(v_result.global_positions, array_fill(NULL::bigint, ARRAY[v_count]));
            v_tx := v_tx || v_result.tx_id;
            v_created := v_created || v_result.created_at;
            v_type := v_type || v_result.stream_type;
            v_offset := v_offset + v_count;
            IF v_result.status = 0 THEN
                v_appended := v_appended + 1;
            ELSIF v_result.status = 1 THEN
                v_retried := v_retried + 1;
            END IF;
        END LOOP;
        IF v_appended <> v_streams AND v_retried <> v_streams THEN
            RAISE SQLSTATE 'FE0RB';
        END IF;
    EXCEPTION WHEN SQLSTATE 'FE0RB' THEN
        NULL; -- rolled back: nothing of this call is written
    END;

    v_whole := v_appended = v_streams OR v_retried = v_streams;
    v_offset := 0;
    FOR i IN 1 .. v_streams LOOP
        v_count := p_event_counts[i];
        IF v_whole THEN
            status := v_status[i]; stream_version := v_version[i];
            global_positions := v_positions[v_offset + 1 : v_offset + v_count];
            tx_id := v_tx[i]; created_at := v_created[i];
        ELSE
            status := CASE WHEN v_status[i] = 0 THEN -1 WHEN v_status[i] = 1 THEN 3 ELSE v_status[i] END;
            stream_version := CASE WHEN v_status[i] IN (0, 1) THEN NULL ELSE v_version[i] END;
            global_positions := NULL; tx_id := NULL; created_at := NULL;
        END IF;
        stream_type := v_type[i];
        v_offset := v_offset + v_count;
        RETURN NEXT;
    END LOOP;
END
$$;

DO $$
DECLARE
    v_function regprocedure := 'try_append_to_streams(uuid[], bigint[], text[], integer[], uuid[], text[], jsonb[], jsonb[], integer[], uuid[])'::regprocedure;
    v_role     text;
BEGIN
    EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_function);
    EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', v_function, current_schema());
    EXECUTE format('ALTER FUNCTION fe_grant_store_access(name, boolean) SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_function);
    EXECUTE 'REVOKE EXECUTE ON FUNCTION fe_grant_store_access(name, boolean) FROM PUBLIC';
    -- Roles granted the store before this file get what it adds.
    FOR v_role IN
        SELECT DISTINCT pg_get_userbyid(a.grantee)
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = 'get_events(uuid, integer, integer)'::regprocedure AND a.privilege_type = 'EXECUTE'
          AND a.grantee <> p.proowner AND a.grantee <> 0
    LOOP
        EXECUTE format('GRANT SELECT ON tb_store_functions TO %I', v_role);
    END LOOP;
    FOR v_role IN
        SELECT DISTINCT pg_get_userbyid(a.grantee)
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = 'try_append_events(uuid, bigint, uuid[], text[], jsonb[], jsonb[], integer[], uuid[], text)'::regprocedure
          AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_function, v_role);
    END LOOP;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (10, '0010_multi_stream_appends') ON CONFLICT (version) DO NOTHING;
