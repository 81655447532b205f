-- FraiseEvents 0002: appending and reading, callable from any language.
--
-- Error codes raised here (class FE, never a message to parse):
--   FE001 wrong expected version      FE002 event id already used by a different event
--   FE003 stream type mismatch        FE004 the event log is append-only (0001)
--   FE005 invalid argument

-- Compares a batch with events already stored under the same ids in one stream: how many are
-- there, whether they sit contiguously in the batch's order, and whether their content is equal.
-- A retry of an append that committed matches completely, and gets back where its events are;
-- anything else is a conflict.
CREATE OR REPLACE FUNCTION fe_match_stored_events(
    p_stream_id   uuid,
    p_event_ids   uuid[],
    p_event_types text[],
    p_event_data  jsonb[],
    OUT matched       integer,
    OUT first_version integer,
    OUT in_order      boolean,
    OUT same_content  boolean,
    OUT last_version  integer,
    OUT positions     bigint[],
    OUT tx_id         bigint,
    OUT created_at    timestamptz)
-- PL/pgSQL rather than SQL: a SQL function that cannot be inlined (this one returns a record and
-- sets search_path) plans its body on every call, ~0.2 ms, paid by every losing append.
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
    SELECT count(*)::integer,
           min(e.event_version - u.n::integer) + 1,
           count(DISTINCT e.event_version - u.n) <= 1,
           coalesce(bool_and(e.event_type = u.t AND e.event_data = u.d), true),
           max(e.event_version),
           array_agg(e.global_position ORDER BY e.event_version),
           max(e.tx_id),
           max(e.created_at)
    INTO matched, first_version, in_order, same_content, last_version, positions, tx_id, created_at
    FROM unnest(p_event_ids, p_event_types, p_event_data) WITH ORDINALITY AS u(id, t, d, n)
    -- One index probe per id, whatever the stream's length: the LIMIT keeps the planner from
    -- turning the lateral lookup into a join that reads the whole stream (ids are unique in it).
    CROSS JOIN LATERAL (SELECT e.event_version, e.event_type, e.event_data, e.global_position, e.tx_id, e.created_at
                        FROM tb_events e
                        WHERE e.stream_id = p_stream_id AND e.id = u.id LIMIT 1) e;
END
$$;

-- The append primitive. Appends all events or none, in one statement, and reports the outcome
-- as a status instead of raising, so that callers learn the actual version without parsing text:
--   0 appended   1 already appended (an idempotent retry)   2 wrong expected version
--   3 event ids already used by different events          4 stream type mismatch
-- Expected version: NULL or -1 any, -2 no stream, -3 stream exists, N >= 0 exactly N events.
CREATE OR REPLACE FUNCTION try_append_events(
    p_stream_id        uuid,
    p_expected_version bigint,
    p_event_ids        uuid[],
    p_event_types      text[],
    p_event_data       jsonb[],
    p_metadata         jsonb[]   DEFAULT NULL,
    p_schema_versions  integer[] DEFAULT NULL,
    p_created_by       uuid[]    DEFAULT NULL,
    p_stream_type      text      DEFAULT NULL)
RETURNS TABLE (status integer, stream_version integer, global_positions bigint[], tx_id bigint,
               created_at timestamptz, stream_type text)
LANGUAGE plpgsql
SET search_path FROM CURRENT
-- Every statement below looks rows up by key, where a generic plan is the right one. Left to
-- choose, the plan cache kept re-planning some of them per call: ~40% of an append's server time.
SET plan_cache_mode = force_generic_plan
-- A session keeps a generic plan until the table is analyzed again. Planned while tb_streams was
-- one page, a key lookup became a sequential scan and stayed one as the table grew (9 ms per
-- append at 75,000 streams until the next ANALYZE); with sequential scans off, every plan here is
-- an index probe whatever the table's size when it was made.
SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
    v_count     integer := coalesce(cardinality(p_event_ids), 0);
    v_found     boolean;
    v_current   integer;
    v_type      text;
    v_last      timestamptz;
    v_now       timestamptz;
    v_tx        bigint;
    v_positions bigint[];
    v_match     record;
    v_lock_key  bigint := uuid_hash_extended(p_stream_id, 0);
    v_transition_key integer := uuid_hash(p_stream_id);
    v_locked    boolean;
    v_waited    boolean := false;
    v_hinted    boolean;
    v_read_first boolean;
    v_mismatch  boolean;
    v_stale     boolean := false;
BEGIN
    IF p_stream_id IS NULL THEN
        RAISE EXCEPTION 'stream id must not be null' USING ERRCODE = 'FE005';
    END IF;
    IF v_count = 0 THEN
        RAISE EXCEPTION 'an append to stream % needs at least one event', p_stream_id USING ERRCODE = 'FE005';
    END IF;
    IF cardinality(p_event_types) IS DISTINCT FROM v_count
       OR cardinality(p_event_data) IS DISTINCT FROM v_count
       OR (p_metadata IS NOT NULL AND cardinality(p_metadata) <> v_count)
       OR (p_schema_versions IS NOT NULL AND cardinality(p_schema_versions) <> v_count)
       OR (p_created_by IS NOT NULL AND cardinality(p_created_by) <> v_count) THEN
        RAISE EXCEPTION 'append to stream %: every array argument needs one element per event (% ids)', p_stream_id, v_count
            USING ERRCODE = 'FE005';
    END IF;
    IF array_position(p_event_ids, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'append to stream %: event ids must not be null', p_stream_id USING ERRCODE = 'FE005';
    END IF;
    -- Nested, not joined with AND: an expression with a subquery runs through the executor even
    -- when its first operand is false, and most appends carry one event.
    IF v_count > 1 THEN
        IF (SELECT count(DISTINCT i) FROM unnest(p_event_ids) AS i) <> v_count THEN
            RAISE EXCEPTION 'append to stream %: the same event id appears twice in one append', p_stream_id
                USING ERRCODE = 'FE005';
        END IF;
    END IF;
    IF p_expected_version < -3 THEN
        RAISE EXCEPTION 'append to stream %: expected version % is not valid', p_stream_id, p_expected_version
            USING ERRCODE = 'FE005';
    END IF;

    -- Lock the stream: writers to this stream take turns here, so versions are dense and the
    -- checks below cannot race. Writers to other streams are not blocked. The lock is a
    -- transaction-level advisory lock on the stream id's 64-bit hash, not a row lock: it needs no
    -- transaction id and writes no WAL, so a writer that loses (wrong version, retry) ends without
    -- a durable commit. (SELECT ... FOR UPDATE writes a lock record: every loser on a hot stream
    -- paid a WAL flush while holding the row.) The lock is released only after the holder's commit
    -- is visible, so the reads below see it. A hash collision only makes two streams' writers take
    -- turns.
    v_locked := pg_try_advisory_xact_lock(v_lock_key);
    IF NOT v_locked AND p_expected_version >= -2 AND p_expected_version <> -1 THEN
        -- Another writer holds the stream. An exact expectation that committed data already
        -- contradicts fails here, without queueing (versions never decrease). Otherwise this
        -- writer waits for the one extending the committed version, on that transition's own
        -- lock (taken below, before the insert) and in shared mode: all the writers that raced
        -- for the same version wake together when it ends and, now stale, fail in parallel, and
        -- the next winner, extending the next version, waits for none of them. (Queued on the
        -- stream lock instead, each loser took it, failed and passed it on in turn, and every
        -- success waited for that chain: with four writers on one stream, a third of raw
        -- Npgsql's rate.)
        LOOP
            SELECT s.version, s.stream_type, s.updated_at INTO v_current, v_type, v_last
            FROM tb_streams s WHERE s.stream_id = p_stream_id;
            v_found := FOUND;
            v_stale := v_found AND v_current > greatest(p_expected_version, 0);
            EXIT WHEN v_stale OR v_waited;
            -- The shared lock is taken in a subtransaction that is then rolled back, which
            -- releases it: held to the end, it would hold up the transition's next writer.
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(v_transition_key, coalesce(v_current, 0));
                RAISE SQLSTATE 'FE0W0';
            EXCEPTION WHEN SQLSTATE 'FE0W0' THEN
                v_waited := true;
            END;
        END LOOP;
    END IF;
    IF NOT (v_locked OR v_stale) THEN
        PERFORM pg_advisory_xact_lock(v_lock_key);
    END IF;
    -- An append that expects no stream tries to create it before reading it: one statement
    -- fewer for the common case, and an existing row makes the insert do nothing, without a
    -- transaction id.
    v_read_first := p_expected_version IS NULL OR p_expected_version NOT IN (-2, 0);
    LOOP
        EXIT WHEN v_stale;
        IF v_read_first THEN
            SELECT s.version, s.stream_type, s.updated_at INTO v_current, v_type, v_last
            FROM tb_streams s WHERE s.stream_id = p_stream_id;
            v_found := FOUND;
            EXIT WHEN v_found;
            IF p_expected_version = -3 OR p_expected_version > 0 THEN
                status := 2; RETURN NEXT;
                RETURN;
            END IF;
        END IF;
        v_read_first := true;
        -- A new stream's row is written once, already at its final version: the insert takes
        -- the lock (a concurrent creator waits on it) and no update of the same row follows.
        v_now := clock_timestamp();
        INSERT INTO tb_streams (stream_id, stream_type, version, created_at, updated_at)
        VALUES (p_stream_id, p_stream_type, v_count, v_now, v_now)
        ON CONFLICT (stream_id) DO NOTHING;
        IF FOUND THEN
            v_found := false;
            v_current := 0;
            v_type := p_stream_type;
            v_last := v_now;
            EXIT;
        END IF;
        -- The stream exists, or a writer that does not take the stream lock (a bulk import)
        -- created it and committed meanwhile: read its row and decide again.
    END LOOP;

    IF p_stream_type IS NOT NULL AND v_type IS NOT NULL AND v_type <> p_stream_type THEN
        status := 4; stream_version := v_current; stream_type := v_type; RETURN NEXT;
        RETURN;
    END IF;

    v_mismatch := NOT (p_expected_version IS NULL OR p_expected_version = -1
                       OR (p_expected_version = -2 AND NOT v_found)
                       OR (p_expected_version = -3 AND v_found)
                       OR p_expected_version = v_current);
    -- Decided from the events already stored under these ids: a version that does not match may
    -- be the retry of an append that committed but whose reply was lost (then the same events sit
    -- right after the expected version); one that matches, with ids already in this stream, is a
    -- retry with any/stream-exists, or a conflict.
    IF v_mismatch OR (v_found AND EXISTS (SELECT FROM unnest(p_event_ids) AS i(id)
                      CROSS JOIN LATERAL (SELECT FROM tb_events e WHERE e.stream_id = p_stream_id AND e.id = i.id LIMIT 1) e)) THEN
        v_match := fe_match_stored_events(p_stream_id, p_event_ids, p_event_types, p_event_data);
        IF v_mismatch AND v_match.matched = 0 THEN
            status := 2; stream_version := v_current;
        ELSIF v_match.matched = v_count AND v_match.in_order AND v_match.same_content
              -- (Parenthesised: PL/pgSQL would end the condition at the CASE's THEN.)
              AND (CASE WHEN v_mismatch THEN v_match.first_version = greatest(p_expected_version, 0) + 1
                        ELSE p_expected_version IS NULL OR p_expected_version IN (-1, -3) END) THEN
            status := 1; stream_version := v_match.last_version; global_positions := v_match.positions;
            tx_id := v_match.tx_id; created_at := v_match.created_at;
        ELSE
            status := 3; stream_version := v_current;
        END IF;
        stream_type := v_type; RETURN NEXT;
        RETURN;
    END IF;

    -- Writers racing for the version this append extends wait for it on this lock (above). It
    -- is only a hint, so it is never waited for here: when a waiter briefly holds it, or an
    -- unrelated advisory lock collides with it, waiters fall back to queueing on the stream lock.
    -- (An assignment, not PERFORM: a plain expression skips the executor.)
    v_hinted := pg_try_advisory_xact_lock(v_transition_key, v_current);

    -- Taken after the lock and never below the previous event's time, so created_at never
    -- decreases within a stream and "state at time T" is always a prefix of the stream. (A new
    -- stream keeps the instant its row was created with.)
    IF v_found THEN
        v_now := greatest(clock_timestamp(), v_last);
    END IF;
    -- The transaction id is fe_current_tx() written out inside the insert: a call of a function
    -- with its own search_path costs a GUC save and restore, and a statement of its own one more
    -- run through the executor, on every append. As an uncorrelated subquery it is computed once
    -- per insert, not once per row of a batch.
    IF v_count = 1 THEN
        -- The common single-event append, without the unnest, sort and aggregate of a batch.
        INSERT INTO tb_events (id, stream_id, event_type, event_version, event_data, metadata,
                               created_at, created_by, tx_id, schema_version)
        VALUES (p_event_ids[1], p_stream_id, p_event_types[1], v_current + 1, p_event_data[1],
                coalesce(p_metadata[1], '{}'::jsonb), v_now, p_created_by[1],
                (SELECT pg_current_xact_id()::text::bigint + i.tx_offset FROM tb_store_info i WHERE i.id = 1),
                coalesce(p_schema_versions[1], 1))
        RETURNING ARRAY[global_position], tx_id INTO v_positions, v_tx;
    ELSE
        WITH inserted AS (
            INSERT INTO tb_events (id, stream_id, event_type, event_version, event_data, metadata,
                                   created_at, created_by, tx_id, schema_version)
            SELECT u.id, p_stream_id, u.t, v_current + u.n::integer, u.d, coalesce(u.m, '{}'::jsonb),
                   v_now, u.cb, (SELECT pg_current_xact_id()::text::bigint + i.tx_offset FROM tb_store_info i WHERE i.id = 1),
                   coalesce(u.sv, 1)
            FROM unnest(p_event_ids, p_event_types, p_event_data, p_metadata, p_schema_versions, p_created_by)
                 WITH ORDINALITY AS u(id, t, d, m, sv, cb, n)
            ORDER BY u.n
            RETURNING global_position, tx_id)
        SELECT array_agg(i.global_position ORDER BY i.global_position), max(i.tx_id) INTO v_positions, v_tx FROM inserted i;
    END IF;

    -- A stream created by this append was inserted with its final version and dated by its
    -- first event; only an existing stream's row changes.
    IF v_found THEN
        UPDATE tb_streams
        SET version = v_current + v_count,
            updated_at = v_now,
            stream_type = coalesce(stream_type, p_stream_type)
        WHERE stream_id = p_stream_id;
    END IF;

    -- The outcome is returned through the output columns (RETURN NEXT), not RETURN QUERY SELECT,
    -- which would run one more statement through the executor on every append.
    status := 0; stream_version := v_current + v_count; global_positions := v_positions;
    tx_id := v_tx; created_at := v_now; stream_type := coalesce(v_type, p_stream_type); RETURN NEXT;
END
$$;

-- The raising form of try_append_events, for SQL callers.
CREATE OR REPLACE FUNCTION append_events(
    p_stream_id        uuid,
    p_expected_version bigint,
    p_event_ids        uuid[],
    p_event_types      text[],
    p_event_data       jsonb[],
    p_metadata         jsonb[]   DEFAULT NULL,
    p_schema_versions  integer[] DEFAULT NULL,
    p_created_by       uuid[]    DEFAULT NULL,
    p_stream_type      text      DEFAULT NULL)
RETURNS TABLE (stream_version integer, global_positions bigint[], created_at timestamptz, idempotent boolean)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM try_append_events(p_stream_id, p_expected_version, p_event_ids, p_event_types,
                                           p_event_data, p_metadata, p_schema_versions, p_created_by, p_stream_type);
    IF r.status = 2 THEN
        RAISE EXCEPTION 'wrong expected version for stream %: expected %, actual %', p_stream_id,
            CASE WHEN p_expected_version IS NULL OR p_expected_version = -1 THEN 'any'
                 WHEN p_expected_version = -2 THEN 'no stream'
                 WHEN p_expected_version = -3 THEN 'an existing stream'
                 ELSE p_expected_version::text END,
            coalesce(r.stream_version::text, 'no stream')
            USING ERRCODE = 'FE001',
                  HINT = 'Another writer changed the stream. Reload it and retry the command against its current version.';
    ELSIF r.status = 3 THEN
        RAISE EXCEPTION 'append to stream %: some event ids are already used by other events of the stream', p_stream_id
            USING ERRCODE = 'FE002',
                  HINT = 'A retry must resend exactly the same events with the same ids and expected version; new events need new ids.';
    ELSIF r.status = 4 THEN
        RAISE EXCEPTION 'stream % is of type %, not %', p_stream_id, r.stream_type, p_stream_type
            USING ERRCODE = 'FE003',
                  HINT = 'Each stream belongs to one type. Check the stream id.';
    END IF;
    RETURN QUERY SELECT r.stream_version, r.global_positions, r.created_at, r.status = 1;
END
$$;

-- The documented single-event append, keeping its signature (positional or named calls work
-- unchanged). New parameters come last with defaults.
CREATE OR REPLACE FUNCTION append_event(
    p_stream_id        uuid,
    p_event_type       text,
    p_event_data       jsonb,
    p_metadata         jsonb   DEFAULT '{}',
    p_created_by       uuid    DEFAULT NULL,
    p_expected_version bigint  DEFAULT NULL,
    p_event_id         uuid    DEFAULT NULL,
    p_schema_version   integer DEFAULT 1,
    p_stream_type      text    DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_id uuid := coalesce(p_event_id, gen_random_uuid());
BEGIN
    PERFORM 1 FROM append_events(p_stream_id, p_expected_version, ARRAY[v_id], ARRAY[p_event_type],
                                 ARRAY[p_event_data], ARRAY[coalesce(p_metadata, '{}'::jsonb)],
                                 ARRAY[coalesce(p_schema_version, 1)], ARRAY[p_created_by], p_stream_type);
    RETURN v_id;
END
$$;

-- The documented stream read, keeping its signature; the documented return columns come first
-- (event_type as text, as declared), the rest after them.
CREATE OR REPLACE FUNCTION get_events(
    p_stream_id    uuid,
    p_from_version integer DEFAULT 1,
    p_to_version   integer DEFAULT NULL)
RETURNS TABLE (event_type text, event_version integer, event_data jsonb, created_at timestamptz,
               id uuid, metadata jsonb, created_by uuid, global_position bigint, schema_version integer)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT e.event_type::text, e.event_version, e.event_data, e.created_at,
           e.id, e.metadata, e.created_by, e.global_position, e.schema_version
    FROM tb_events e
    WHERE e.stream_id = p_stream_id
      AND e.event_version >= coalesce(p_from_version, 1)
      AND (p_to_version IS NULL OR e.event_version <= p_to_version)
    ORDER BY e.event_version
$$;

-- The consumer read: events after a (tx_id, global_position) checkpoint, only from transactions
-- that can no longer commit, in (tx_id, global_position) order. Never skips a late commit.
CREATE OR REPLACE FUNCTION read_log(
    p_after_tx_id       bigint  DEFAULT 0,
    p_after_position    bigint  DEFAULT 0,
    p_limit             integer DEFAULT 1000)
RETURNS SETOF tb_events
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT e.* FROM tb_events e
    WHERE e.tx_id < fe_safe_tx()
      AND (e.tx_id, e.global_position) > (p_after_tx_id, p_after_position)
    ORDER BY e.tx_id, e.global_position
    LIMIT p_limit
$$;

-- Compare-and-set of a consumer checkpoint. Call it in the transaction that writes the
-- consumer's results: false means another instance moved the checkpoint, so roll back.
CREATE OR REPLACE FUNCTION advance_checkpoint(
    p_consumer_name     text,
    p_expected_tx_id    bigint,
    p_expected_position bigint,
    p_tx_id             bigint,
    p_global_position   bigint,
    p_event_id          uuid    DEFAULT NULL,
    p_log_id            integer DEFAULT 0)
RETURNS boolean
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    INSERT INTO tb_checkpoints (consumer_name, log_id) VALUES (p_consumer_name, p_log_id)
    ON CONFLICT (consumer_name, log_id) DO NOTHING;
    UPDATE tb_checkpoints c
    SET tx_id = p_tx_id, global_position = p_global_position, event_id = p_event_id, updated_at = clock_timestamp()
    WHERE c.consumer_name = p_consumer_name AND c.log_id = p_log_id
      AND c.tx_id = p_expected_tx_id AND c.global_position = p_expected_position;
    RETURN FOUND;
END
$$;

-- Start-up checks shared by every client: durability settings, and whether the cluster's
-- transaction counter is ahead of every stored tx_id (it is not after a restore into a new
-- cluster, and consumers would then sort new events behind their checkpoints).
CREATE OR REPLACE FUNCTION verify_store()
RETURNS TABLE (next_tx_id bigint, max_tx_id bigint, tx_ids_ok boolean, fsync text, synchronous_commit text,
               recorded_system_identifier bigint, system_identifier bigint,
               recorded_timeline_id integer, timeline_id integer)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT n.next_tx, m.max_tx, m.max_tx IS NULL OR m.max_tx < n.next_tx,
           current_setting('fsync'), current_setting('synchronous_commit'),
           i.system_identifier, (pg_control_system()).system_identifier,
           i.timeline_id, (pg_control_checkpoint()).timeline_id
    FROM tb_store_info i
    CROSS JOIN LATERAL (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint + i.tx_offset AS next_tx) n
    CROSS JOIN LATERAL (SELECT max(e.tx_id) AS max_tx FROM tb_events e) m
    WHERE i.id = 1
$$;

-- Records the cluster the store now runs on (after a verified failover or restore).
CREATE OR REPLACE FUNCTION acknowledge_store_origin() RETURNS void
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    UPDATE tb_store_info
    SET system_identifier = (pg_control_system()).system_identifier,
        timeline_id = (pg_control_checkpoint()).timeline_id,
        verified_at = clock_timestamp()
    WHERE id = 1
$$;

-- After a restore into a cluster whose transaction counter is behind the stored tx_ids, raises
-- the store's offset so new events sort after every stored one. Stop writers and consumers first;
-- the table lock makes concurrent appends wait. Returns the new offset.
CREATE OR REPLACE FUNCTION rebase_transaction_ids() RETURNS bigint
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_offset bigint;
    v_max    bigint;
    v_next   bigint;
BEGIN
    LOCK TABLE tb_events IN SHARE ROW EXCLUSIVE MODE;
    SELECT tx_offset INTO v_offset FROM tb_store_info WHERE id = 1 FOR UPDATE;
    SELECT max(tx_id) INTO v_max FROM tb_events;
    v_next := pg_current_xact_id()::text::bigint + v_offset;
    IF v_max IS NOT NULL AND v_max >= v_next THEN
        v_offset := v_offset + (v_max - v_next) + 1;
    END IF;
    UPDATE tb_store_info SET tx_offset = v_offset WHERE id = 1;
    PERFORM acknowledge_store_origin();
    RETURN v_offset;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (2, '0002_append_and_read') ON CONFLICT (version) DO NOTHING;
