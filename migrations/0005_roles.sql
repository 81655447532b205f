-- FraiseEvents 0005: roles. The application must not be able to rewrite history.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0004; idempotent. Run it as the
-- role that owns the store (the role that applied 0001-0004): every function that writes now runs
-- with that role's rights (SECURITY DEFINER), so the application's role needs EXECUTE on the
-- functions and SELECT on what it reads, and no INSERT, UPDATE, DELETE or TRUNCATE on any table.
-- fe_grant_application_role(role) and fe_grant_reader_role(role) grant exactly that.
-- Error codes raised here: FE004 the event log is append-only, FE005 invalid argument.

-- One function for every append-only table, naming the table it refuses a change to.
CREATE OR REPLACE FUNCTION fe_reject_event_changes() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'FE004',
              HINT = 'Events are never changed or removed, and streams never removed. Append a compensating event instead of changing history.';
END
$$;

-- tb_streams holds each stream's version; appends read it under the stream's lock. A deleted row
-- made the next append see "no stream" while the stream's events were still there (it then
-- failed on the primary key, with contradictory errors), so rows are never deleted. Updates cannot
-- be refused the same way: every append updates its stream's row, and a row trigger that checked
-- each update (no decreasing version, no changed id or type) made every append measurably slower
-- (docs/performance.md). Instead no role but the owner may update or insert rows: the append
-- functions, which run as the owner, and bulk imports run as the owner are the only writers.
CREATE OR REPLACE TRIGGER trg_streams_no_delete
    BEFORE DELETE ON tb_streams
    FOR EACH STATEMENT EXECUTE FUNCTION fe_reject_event_changes();

CREATE OR REPLACE TRIGGER trg_streams_no_truncate
    BEFORE TRUNCATE ON tb_streams
    FOR EACH STATEMENT EXECUTE FUNCTION fe_reject_event_changes();

-- Creates (or re-creates) the two functions through which the library reads and writes the
-- documents of projection p_name; see fe_ensure_document_projection (0004) for what they do. The
-- bodies are 0004's; what changed is that they run with the owner's rights (SECURITY DEFINER), so
-- the application needs EXECUTE on them and no privilege on proj_<name>, and that nobody but the
-- roles granted access to the store may call them.
CREATE OR REPLACE FUNCTION fe_create_document_functions(p_name text, p_key_type text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_table  text := 'proj_' || p_name;
    v_schema text := current_schema();
BEGIN
    IF p_name IS NULL OR p_name !~ '^[a-z][a-z0-9_]{0,49}$' OR p_key_type IS NULL OR p_key_type NOT IN ('uuid', 'text') THEN
        RAISE EXCEPTION 'document projection %: invalid name or key type %', p_name, p_key_type USING ERRCODE = 'FE005';
    END IF;

    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I.%2$I(p_ids text[])
        RETURNS TABLE (id text, data jsonb, revision bigint, deleted boolean)
        LANGUAGE plpgsql STABLE
        SECURITY DEFINER
        SET search_path = %1$I, pg_temp
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
        AS $body$
        BEGIN
            RETURN QUERY SELECT d.id::text, d.data, d.revision, d.deleted FROM %3$I d WHERE d.id = ANY (p_ids::%4$s[]);
        END
        $body$ $f$, v_schema, 'fe_read_' || v_table, v_table, p_key_type);

    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I.%2$I(p_ids text[], p_expected bigint[], p_data jsonb[], p_deleted boolean[],
                                            p_last_streams uuid[], p_last_events uuid[])
        RETURNS void
        LANGUAGE plpgsql
        SECURITY DEFINER
        SET search_path = %1$I, pg_temp
        -- Key lookups only, planned once per session whatever the tables' sizes then (see try_append_events).
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
        AS $body$
        DECLARE
            v_count    integer := coalesce(cardinality(p_ids), 0);
            v_tx       bigint;
            v_version  integer;
            v_position bigint;
            v_written  bigint;
        BEGIN
            IF cardinality(p_expected) IS DISTINCT FROM v_count OR cardinality(p_data) IS DISTINCT FROM v_count
               OR cardinality(p_deleted) IS DISTINCT FROM v_count OR cardinality(p_last_streams) IS DISTINCT FROM v_count
               OR cardinality(p_last_events) IS DISTINCT FROM v_count THEN
                RAISE EXCEPTION '%2$s: every array needs one element per document' USING ERRCODE = 'FE005';
            END IF;
            -- The events these documents were computed from must have been written by this very
            -- transaction (FE007 otherwise, as fe_require_appended): a refused append, or the retry
            -- of one stored earlier, leaves its documents alone. pg_current_xact_id_if_assigned():
            -- a transaction that wrote nothing has no id, and none is taken for it here.
            v_tx := (SELECT pg_current_xact_id_if_assigned()::text::bigint + i.tx_offset FROM tb_store_info i WHERE i.id = 1);

            IF v_count = 1 THEN
                -- The common case, one document per append, without the set-based statement below.
                SELECT e.event_version, e.global_position INTO v_version, v_position
                FROM tb_events e WHERE e.stream_id = p_last_streams[1] AND e.id = p_last_events[1] AND e.tx_id = v_tx;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'the append to stream %% was not written by this transaction, so its documents are not written', p_last_streams[1]
                        USING ERRCODE = 'FE007';
                END IF;
                IF p_expected[1] = 0 THEN
                    INSERT INTO %3$I (id, data, revision, version, global_position, deleted)
                    VALUES (p_ids[1]::%4$s, p_data[1], 1, v_version, v_position, p_deleted[1])
                    ON CONFLICT (id) DO NOTHING;
                ELSIF p_expected[1] IS NULL THEN
                    INSERT INTO %3$I AS d (id, data, revision, version, global_position, deleted)
                    VALUES (p_ids[1]::%4$s, p_data[1], 1, v_version, v_position, p_deleted[1])
                    ON CONFLICT (id) DO UPDATE
                    SET data = excluded.data, deleted = excluded.deleted, revision = d.revision + 1, version = excluded.version,
                        global_position = excluded.global_position, updated_at = clock_timestamp();
                ELSE
                    UPDATE %3$I d
                    SET data = p_data[1], deleted = p_deleted[1], revision = d.revision + 1, version = v_version,
                        global_position = v_position, updated_at = clock_timestamp()
                    WHERE d.id = p_ids[1]::%4$s AND d.revision = p_expected[1];
                END IF;
                v_written := CASE WHEN FOUND THEN 1 ELSE 0 END;
            ELSE
                IF EXISTS (SELECT FROM unnest(p_last_streams, p_last_events) AS x(sid, eid)
                           WHERE NOT EXISTS (SELECT FROM tb_events e WHERE e.stream_id = x.sid AND e.id = x.eid AND e.tx_id = v_tx)) THEN
                    RAISE EXCEPTION 'the append these documents ride with was not written by this transaction' USING ERRCODE = 'FE007';
                END IF;
                WITH u AS (
                    SELECT x.n, x.id::%4$s AS id, x.expected, x.data, x.deleted, e.event_version, e.global_position
                    FROM unnest(p_ids, p_expected, p_data, p_deleted, p_last_streams, p_last_events)
                         WITH ORDINALITY AS x(id, expected, data, deleted, sid, eid, n)
                    -- One index probe per document, as in fe_match_stored_events (0002): joined
                    -- instead, the planner may scan the whole event log.
                    CROSS JOIN LATERAL (SELECT e.event_version, e.global_position FROM tb_events e
                                        WHERE e.stream_id = x.sid AND e.id = x.eid LIMIT 1) e
                ), updated AS (
                    UPDATE %3$I d
                    SET data = u.data, deleted = u.deleted, revision = d.revision + 1, version = u.event_version,
                        global_position = u.global_position, updated_at = clock_timestamp()
                    FROM u
                    WHERE d.id = u.id AND u.expected IS DISTINCT FROM 0 AND (u.expected IS NULL OR d.revision = u.expected)
                    RETURNING u.n
                ), inserted AS (
                    INSERT INTO %3$I (id, data, revision, version, global_position, deleted)
                    SELECT u.id, u.data, 1, u.event_version, u.global_position, u.deleted
                    FROM u
                    WHERE (u.expected IS NULL OR u.expected = 0) AND u.n NOT IN (SELECT n FROM updated)
                    ON CONFLICT (id) DO NOTHING
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) INTO v_written;
            END IF;
            IF v_written <> v_count THEN
                RAISE EXCEPTION 'projection %5$s: %% of %% documents changed since they were read', v_count - v_written, v_count
                    USING ERRCODE = 'FE008',
                          HINT = 'Another transaction wrote the same documents; recompute them from the current state and retry.';
            END IF;
        END
        $body$ $f$, v_schema, 'fe_write_' || v_table, v_table, p_key_type, p_name);

    -- A new function is executable by PUBLIC; these read and write documents as the owner.
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %I.%I(text[]) FROM PUBLIC', v_schema, 'fe_read_' || v_table);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %I.%I(text[], bigint[], jsonb[], boolean[], uuid[], uuid[]) FROM PUBLIC',
                   v_schema, 'fe_write_' || v_table);
END
$$;

-- Grants on a document projection's objects follow the grants on the store, so a projection
-- created after the roles were set up needs no grant of its own: whoever may read the event log
-- (SELECT on tb_events) may read the documents (SELECT on proj_<name> and v_<name>, EXECUTE on
-- fe_read_proj_<name>); whoever may append (EXECUTE on try_append_events) may write them with an
-- append (EXECUTE on fe_write_proj_<name>).
CREATE OR REPLACE FUNCTION fe_grant_document_projection(p_name text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_schema  text := current_schema();
    v_table   text := 'proj_' || p_name;
    v_grantee text;
BEGIN
    FOR v_grantee IN
        SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.oid = format('%I.tb_events', v_schema)::regclass AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT SELECT ON %1$I.%2$I, %1$I.%3$I TO %4$s', v_schema, v_table, 'v_' || p_name, v_grantee);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(text[]) TO %s', v_schema, 'fe_read_' || v_table, v_grantee);
    END LOOP;
    FOR v_grantee IN
        SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
        FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
        WHERE p.oid = format('%I.try_append_events(uuid, bigint, uuid[], text[], jsonb[], jsonb[], integer[], uuid[], text)', v_schema)::regprocedure
          AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.%I(text[], bigint[], jsonb[], boolean[], uuid[], uuid[]) TO %s',
                       v_schema, 'fe_write_' || v_table, v_grantee);
    END LOOP;
END
$$;

-- 0004's function, now creating the document functions through fe_create_document_functions and
-- granting on the new objects what the roles hold on the store. It runs as the owner (below), so
-- a store started by the application's role creates a new projection's table without CREATE on
-- the schema, and the table belongs to the owner.
CREATE OR REPLACE FUNCTION fe_ensure_document_projection(p_name text, p_key_type text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_existing text;
    v_table    text := 'proj_' || p_name;
BEGIN
    IF p_name IS NULL OR p_name !~ '^[a-z][a-z0-9_]{0,49}$' THEN
        RAISE EXCEPTION 'projection name % must be 1 to 50 characters of a-z, 0-9 and _, starting with a letter', p_name
            USING ERRCODE = 'FE005';
    END IF;
    IF p_key_type IS NULL OR p_key_type NOT IN ('uuid', 'text') THEN
        RAISE EXCEPTION 'projection %: the key type must be uuid or text (was %)', p_name, p_key_type USING ERRCODE = 'FE005';
    END IF;
    -- Stores starting at once in several processes create the objects once; the others wait here.
    PERFORM pg_advisory_xact_lock(hashtext('fraiseevents.projection'), hashtext(p_name));

    SELECT p.key_type INTO v_existing FROM tb_projections p WHERE p.name = p_name AND p.kind = 'document';
    IF FOUND THEN
        IF v_existing <> p_key_type THEN
            RAISE EXCEPTION 'projection % keys its documents by %, but the code now keys them by %', p_name, v_existing, p_key_type
                USING ERRCODE = 'FE009',
                      HINT = 'Give the changed projection a new name (a new table is built for it), or drop proj_' || p_name
                             || ' and its row in tb_projections.';
        END IF;
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM tb_projections p WHERE p.name = p_name) THEN
        RAISE EXCEPTION 'projection % is already registered as another kind of projection', p_name USING ERRCODE = 'FE009';
    END IF;

    EXECUTE format('CREATE TABLE IF NOT EXISTS %I (
        id              %s          PRIMARY KEY,
        data            jsonb,
        revision        bigint      NOT NULL CHECK (revision >= 1),
        version         integer     NOT NULL,
        global_position bigint      NOT NULL,
        deleted         boolean     NOT NULL DEFAULT false,
        created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK (deleted OR data IS NOT NULL))', v_table, p_key_type);
    EXECUTE format('CREATE OR REPLACE VIEW %I AS SELECT id, data FROM %I WHERE NOT deleted', 'v_' || p_name, v_table);
    PERFORM fe_create_document_functions(p_name, p_key_type);
    PERFORM fe_grant_document_projection(p_name);

    INSERT INTO tb_projections (name, kind, key_type) VALUES (p_name, 'document', p_key_type);
END
$$;

-- Grants a role what the library needs to run a store as it: USAGE on the schema, SELECT on the
-- tables and views it reads, EXECUTE on the functions it calls. With p_write, also the functions
-- that append, snapshot, write documents and advance checkpoints, all of which run as the owner:
-- no role is granted INSERT, UPDATE, DELETE or TRUNCATE on any table. Both kinds of role may run
-- the start-up steps (recording the cluster after a failover, registering projections), which
-- change no event, stream, snapshot, document or checkpoint. Run as the store's owner.
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
                   '%1$I.tb_snapshots, %1$I.tb_checkpoints, %1$I.tb_projections TO %2$I', v_schema, p_role);
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = v_schema)
          AND (p.proname IN ('fe_current_tx', 'fe_safe_tx', 'get_events', 'read_log', 'verify_store', 'get_snapshot',
                             'get_events_at', 'audit_trail', 'audit_trail_by_author', 'user_audit_trail',
                             'acknowledge_store_origin', 'fe_ensure_document_projection', 'fe_ensure_sql_projection')
               OR (p_write AND p.proname IN ('try_append_events', 'append_events', 'append_event', 'fe_require_appended',
                                             'create_snapshot', 'advance_checkpoint')))
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

-- The application's role: reads, appends (with snapshots and inline projections), checkpoints.
CREATE OR REPLACE FUNCTION fe_grant_application_role(p_role name) RETURNS void
LANGUAGE sql
SET search_path FROM CURRENT
AS $$ SELECT fe_grant_store_access(p_role, true) $$;

-- A role that reads the store (reports, consumers that keep their checkpoints elsewhere) and
-- cannot append.
CREATE OR REPLACE FUNCTION fe_grant_reader_role(p_role name) RETURNS void
LANGUAGE sql
SET search_path FROM CURRENT
AS $$ SELECT fe_grant_store_access(p_role, false) $$;

-- Pin every function's search_path to the store's schema with pg_temp last. `SET search_path FROM
-- CURRENT` captured the schema alone, and a path without pg_temp searches the session's temporary
-- schema FIRST for tables: a caller could create a temporary tb_events and have a function running
-- as the owner write into it or read from it (PostgreSQL docs, "Writing SECURITY DEFINER Functions
-- Safely"). pg_catalog, not listed, is searched first, so no built-in can be shadowed either. The
-- store's schema must not be writable by untrusted roles (never grant CREATE on it).
DO $$
DECLARE
    v_schema   text := current_schema();
    v_function regprocedure;
    v_name     text;
    v_key_type text;
BEGIN
    -- Projections created by 0004 get 0005's functions (same bodies, run as the owner).
    FOR v_name, v_key_type IN SELECT p.name, p.key_type FROM tb_projections p WHERE p.kind = 'document' LOOP
        PERFORM fe_create_document_functions(v_name, v_key_type);
    END LOOP;

    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = v_schema)
          AND (p.proname IN ('fe_current_tx', 'fe_safe_tx', 'fe_match_stored_events', 'try_append_events', 'append_events',
                             'append_event', 'get_events', 'read_log', 'advance_checkpoint', 'verify_store',
                             'acknowledge_store_origin', 'rebase_transaction_ids', 'create_snapshot', 'get_snapshot',
                             'get_events_at', 'audit_trail', 'audit_trail_by_author', 'user_audit_trail',
                             'fe_require_appended', 'fe_ensure_document_projection', 'fe_ensure_sql_projection',
                             'fe_create_document_functions', 'fe_grant_document_projection', 'fe_grant_store_access',
                             'fe_grant_application_role', 'fe_grant_reader_role')
               OR p.proname IN (SELECT 'fe_' || f || '_proj_' || t.name FROM tb_projections t, unnest(ARRAY['read', 'write']) f
                                WHERE t.kind = 'document'))
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', v_function, v_schema);
    END LOOP;

    -- The writes run with the owner's rights, and only roles granted EXECUTE may call them.
    -- acknowledge_store_origin records only the cluster the store runs on, so the application may
    -- call it at start-up; fe_require_appended reads as the owner so that it needs no grant.
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = v_schema)
          AND p.proname IN ('try_append_events', 'append_events', 'append_event', 'create_snapshot', 'advance_checkpoint',
                            'acknowledge_store_origin', 'fe_require_appended', 'fe_ensure_document_projection',
                            'fe_ensure_sql_projection')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_function);
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_function);
    END LOOP;

    -- Owner-only, and running as the caller: rebase_transaction_ids locks tb_events and rewrites
    -- the transaction-id offset; the helpers grant or create objects. Everyone else is refused.
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = v_schema)
          AND p.proname IN ('rebase_transaction_ids', 'fe_create_document_functions', 'fe_grant_document_projection',
                            'fe_grant_store_access', 'fe_grant_application_role', 'fe_grant_reader_role')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_function);
    END LOOP;

    -- A role that appended under the grants documented before 0005 (INSERT on tb_events) keeps
    -- appending, now through the functions. Its table privileges are left alone: revoke them
    -- (docs/operations.md says how), since they still let it insert events directly.
    FOR v_name IN
        SELECT DISTINCT pg_get_userbyid(a.grantee)
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.oid = format('%I.tb_events', v_schema)::regclass AND a.privilege_type = 'INSERT'
          AND a.grantee <> c.relowner AND a.grantee <> 0
    LOOP
        PERFORM fe_grant_application_role(v_name);
    END LOOP;

    -- And the document functions follow the grants of the store.
    FOR v_name IN SELECT p.name FROM tb_projections p WHERE p.kind = 'document' LOOP
        PERFORM fe_grant_document_projection(v_name);
    END LOOP;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (5, '0005_roles') ON CONFLICT (version) DO NOTHING;
