-- FraiseEvents 0004: read models (projections) written in the append's own transaction.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0003; idempotent.
-- Error codes raised here:
--   FE005 invalid argument
--   FE007 the append these side writes ride with was not written by this transaction
--         (refused, or an idempotent retry of an append stored earlier): the whole transaction,
--         side writes included, is rolled back
--   FE008 a projection document changed between being read and being written: retry
--   FE009 a projection's table exists with another shape (key type)

-- One row per projection the store knows: its kind and, for document projections, the SQL type
-- of the document key. Written when a store with the projection starts.
CREATE TABLE IF NOT EXISTS tb_projections (
    name       text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,49}$'),
    kind       text        NOT NULL CHECK (kind IN ('document', 'sql')),
    key_type   text        CHECK (key_type IN ('uuid', 'text')),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((kind = 'document') = (key_type IS NOT NULL))
);

-- The guard between an append and what rides with it (snapshots, projection writes, the user's own
-- statements), all sent in one batch that PostgreSQL runs as one implicit transaction:
--   try_append_events(...); fe_require_appended(stream, last event id); side writes...
-- It raises unless this very transaction wrote the append's last event, so a refused append (wrong
-- version, id conflict, stream type) or the retry of an append stored earlier aborts the batch and
-- leaves no side write, whatever those statements are. try_append_events still answers with its
-- status row first, from which the caller learns why.
CREATE OR REPLACE FUNCTION fe_require_appended(p_stream_id uuid, p_event_id uuid)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
    -- pg_current_xact_id_if_assigned(), not pg_current_xact_id(): a refused append never took a
    -- transaction id and this check must not take one for it (that would cost it a commit flush).
    IF NOT EXISTS (SELECT FROM tb_events e
                   WHERE e.stream_id = p_stream_id AND e.id = p_event_id
                     AND e.tx_id = (SELECT pg_current_xact_id_if_assigned()::text::bigint + i.tx_offset
                                    FROM tb_store_info i WHERE i.id = 1)) THEN
        RAISE EXCEPTION 'the append to stream % was not written by this transaction, so nothing that rides with it is written', p_stream_id
            USING ERRCODE = 'FE007';
    END IF;
END
$$;

-- Creates (once) the table and view of a document projection, and the two functions the library
-- reads and writes its documents with:
--   proj_<name>:            id (uuid or text), data jsonb, revision (bumped by every write, for
--                           optimistic concurrency), version and global_position of the last event
--                           applied, deleted, created_at, updated_at
--   v_<name>:               id, data of the documents not deleted (the id/data shape GraphQL layers read)
--   fe_read_proj_<name>:    the documents with the given keys, deleted ones included
--   fe_write_proj_<name>:   writes documents computed from the events of an append in this transaction
-- A deleted document keeps its row (deleted = true, data NULL) so that its revision goes on. The
-- functions are generated per table, rather than one function with dynamic SQL, so that their
-- statements are planned once per session instead of on every append.
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

    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I(p_ids text[])
        RETURNS TABLE (id text, data jsonb, revision bigint, deleted boolean)
        LANGUAGE plpgsql STABLE
        SET search_path FROM CURRENT
        SET plan_cache_mode = force_generic_plan
        SET enable_seqscan = off
        AS $body$
        BEGIN
            RETURN QUERY SELECT d.id::text, d.data, d.revision, d.deleted FROM %2$I d WHERE d.id = ANY (p_ids::%3$s[]);
        END
        $body$ $f$, 'fe_read_' || v_table, v_table, p_key_type);

    -- Per document: the key, the revision it was computed from (0: it did not exist; NULL: it does
    -- not matter, as for a document that an event starts afresh or deletes), the new data (NULL
    -- with deleted), and the stream and id of the last event applied to it (its version and global
    -- position are read from tb_events).
    -- The last events must have been written by this very transaction, or it raises FE007 as
    -- fe_require_appended does: the documents ride with an append, and a refused append (or the
    -- retry of one stored earlier) must leave them alone; the library then sends no separate guard.
    -- Existing documents are updated where their revision is the expected one; the others are
    -- inserted where they were expected not to exist (or it did not matter). Every document must
    -- land in one of the two: one that another transaction wrote since it was read lands in
    -- neither, and the whole transaction fails with FE008, so nothing is lost and the caller
    -- recomputes from the new state.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I(p_ids text[], p_expected bigint[], p_data jsonb[], p_deleted boolean[],
                                       p_last_streams uuid[], p_last_events uuid[])
        RETURNS void
        LANGUAGE plpgsql
        SET search_path FROM CURRENT
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
                RAISE EXCEPTION '%1$s: every array needs one element per document' USING ERRCODE = 'FE005';
            END IF;
            -- pg_current_xact_id_if_assigned(): a transaction that wrote nothing has no id, and
            -- none is taken for it here.
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
                    INSERT INTO %2$I (id, data, revision, version, global_position, deleted)
                    VALUES (p_ids[1]::%3$s, p_data[1], 1, v_version, v_position, p_deleted[1])
                    ON CONFLICT (id) DO NOTHING;
                ELSIF p_expected[1] IS NULL THEN
                    INSERT INTO %2$I AS d (id, data, revision, version, global_position, deleted)
                    VALUES (p_ids[1]::%3$s, p_data[1], 1, v_version, v_position, p_deleted[1])
                    ON CONFLICT (id) DO UPDATE
                    SET data = excluded.data, deleted = excluded.deleted, revision = d.revision + 1, version = excluded.version,
                        global_position = excluded.global_position, updated_at = clock_timestamp();
                ELSE
                    UPDATE %2$I d
                    SET data = p_data[1], deleted = p_deleted[1], revision = d.revision + 1, version = v_version,
                        global_position = v_position, updated_at = clock_timestamp()
                    WHERE d.id = p_ids[1]::%3$s AND d.revision = p_expected[1];
                END IF;
                v_written := CASE WHEN FOUND THEN 1 ELSE 0 END;
            ELSE
                IF EXISTS (SELECT FROM unnest(p_last_streams, p_last_events) AS x(sid, eid)
                           WHERE NOT EXISTS (SELECT FROM tb_events e WHERE e.stream_id = x.sid AND e.id = x.eid AND e.tx_id = v_tx)) THEN
                    RAISE EXCEPTION 'the append these documents ride with was not written by this transaction' USING ERRCODE = 'FE007';
                END IF;
                WITH u AS (
                    SELECT x.n, x.id::%3$s AS id, x.expected, x.data, x.deleted, e.event_version, e.global_position
                    FROM unnest(p_ids, p_expected, p_data, p_deleted, p_last_streams, p_last_events)
                         WITH ORDINALITY AS x(id, expected, data, deleted, sid, eid, n)
                    -- One index probe per document, as in fe_match_stored_events (0002): joined
                    -- instead, the planner may scan the whole event log.
                    CROSS JOIN LATERAL (SELECT e.event_version, e.global_position FROM tb_events e
                                        WHERE e.stream_id = x.sid AND e.id = x.eid LIMIT 1) e
                ), updated AS (
                    UPDATE %2$I d
                    SET data = u.data, deleted = u.deleted, revision = d.revision + 1, version = u.event_version,
                        global_position = u.global_position, updated_at = clock_timestamp()
                    FROM u
                    WHERE d.id = u.id AND u.expected IS DISTINCT FROM 0 AND (u.expected IS NULL OR d.revision = u.expected)
                    RETURNING u.n
                ), inserted AS (
                    INSERT INTO %2$I (id, data, revision, version, global_position, deleted)
                    SELECT u.id, u.data, 1, u.event_version, u.global_position, u.deleted
                    FROM u
                    WHERE (u.expected IS NULL OR u.expected = 0) AND u.n NOT IN (SELECT n FROM updated)
                    ON CONFLICT (id) DO NOTHING
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) INTO v_written;
            END IF;
            IF v_written <> v_count THEN
                RAISE EXCEPTION 'projection %4$s: %% of %% documents changed since they were read', v_count - v_written, v_count
                    USING ERRCODE = 'FE008',
                          HINT = 'Another transaction wrote the same documents; recompute them from the current state and retry.';
            END IF;
        END
        $body$ $f$, 'fe_write_' || v_table, v_table, p_key_type, p_name);

    INSERT INTO tb_projections (name, kind, key_type) VALUES (p_name, 'document', p_key_type);
END
$$;

-- Records a SQL projection (its tables are the user's own).
CREATE OR REPLACE FUNCTION fe_ensure_sql_projection(p_name text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    IF p_name IS NULL OR p_name !~ '^[a-z][a-z0-9_]{0,49}$' THEN
        RAISE EXCEPTION 'projection name % must be 1 to 50 characters of a-z, 0-9 and _, starting with a letter', p_name
            USING ERRCODE = 'FE005';
    END IF;
    -- Checked first, so that starting a store that is already set up writes nothing.
    IF EXISTS (SELECT FROM tb_projections p WHERE p.name = p_name AND p.kind = 'sql') THEN
        RETURN;
    END IF;
    INSERT INTO tb_projections (name, kind) VALUES (p_name, 'sql') ON CONFLICT (name) DO NOTHING;
    IF NOT EXISTS (SELECT FROM tb_projections p WHERE p.name = p_name AND p.kind = 'sql') THEN
        RAISE EXCEPTION 'projection % is already registered as a document projection', p_name USING ERRCODE = 'FE009';
    END IF;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (4, '0004_projections') ON CONFLICT (version) DO NOTHING;
