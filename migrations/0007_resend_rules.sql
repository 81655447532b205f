-- FraiseEvents 0007: resends that users can reason about.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0006; idempotent. Replaces
-- try_append_events (0002) with two changes, everything else as before:
-- * A resend whose expected version does not match, and that is not a complete retry, is now a
--   wrong expected version (FE001 / status 2) instead of an id conflict (FE002 / status 3): a
--   retry loop that reloads on a version conflict handles it. An id conflict is left for appends
--   whose expected version matches (or is any) and that reuse ids of other events.
-- * A retry of part of an earlier append (its first events, say) reports the stream's version at
--   the end of that earlier append, not the version of the last retried event, so that the result
--   can be used as the next expected version, as its documentation says.
-- CREATE OR REPLACE keeps the function's owner and grants, but resets what 0005 set with ALTER
-- FUNCTION (SECURITY DEFINER, the pinned search_path), so the end of this file sets them again.

-- The append primitive; see 0002 for the statuses and the encoding of the expected version.
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
    -- Decided from the events already stored under these ids (the table of cases is in
    -- docs/concurrency-and-retries.md):
    -- * every id stored, in this order, contiguous, with the same content, where the expected
    --   version puts them (right after it; anywhere for any/stream-exists): a retry of an append
    --   that committed, or of part of it. It reports the stream's version right after the
    --   transaction that stored them, which is what the original append reported;
    -- * otherwise, an expected version that does not match: wrong expected version, whatever the
    --   ids, so that a reload-and-retry loop sees the usual error;
    -- * otherwise (the version matches but some ids are already in the stream): a conflict.
    IF v_mismatch OR (v_found AND EXISTS (SELECT FROM unnest(p_event_ids) AS i(id)
                      CROSS JOIN LATERAL (SELECT FROM tb_events e WHERE e.stream_id = p_stream_id AND e.id = i.id LIMIT 1) e)) THEN
        v_match := fe_match_stored_events(p_stream_id, p_event_ids, p_event_types, p_event_data);
        IF v_match.matched = v_count AND v_match.in_order AND v_match.same_content
           -- (Parenthesised: PL/pgSQL would end the condition at the CASE's THEN.)
           AND (CASE WHEN v_mismatch THEN v_match.first_version = greatest(p_expected_version, 0) + 1
                     ELSE p_expected_version IS NULL OR p_expected_version IN (-1, -3) END) THEN
            -- A transaction's events in a stream are contiguous (it held the stream's lock), so
            -- the last of them is found from the last retried one, by the primary key.
            SELECT max(e.event_version) INTO stream_version
            FROM tb_events e
            WHERE e.stream_id = p_stream_id AND e.event_version >= v_match.last_version AND e.tx_id = v_match.tx_id;
            status := 1; global_positions := v_match.positions;
            tx_id := v_match.tx_id; created_at := v_match.created_at;
        ELSIF v_mismatch THEN
            status := 2; stream_version := v_current;
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

DO $$
DECLARE
    v_function regprocedure := 'try_append_events(uuid, bigint, uuid[], text[], jsonb[], jsonb[], integer[], uuid[], text)'::regprocedure;
BEGIN
    EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_function);
    EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', v_function, current_schema());
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (7, '0007_resend_rules') ON CONFLICT (version) DO NOTHING;
