-- FraiseEvents 0014: the events async projections set aside under a failure policy (dead letters
-- and parked keys), recorded in the same transaction as the batch that moves the checkpoint.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0013, as the role that owns the
-- store; idempotent. The daemon sends, in one implicit transaction (one round trip):
--   fe_advance_projection(...)        the checkpoint's compare-and-set (0011)
--   fe_record_dead_letters(...)       the events set aside by the batch, or
--   fe_release_dead_letters(...)      the events a replay applied (a replay does not move the checkpoint)
--   <the documents or statements>
-- so an event is set aside exactly when the checkpoint moves past it, and a replayed event is
-- removed exactly when its writes commit. Error codes raised here: FE005 invalid argument.

-- One row per event a projection set aside. parked_key is NULL for a dead letter (the event is
-- skipped, the projection goes on) and names the key for a parked event (the key's later events are
-- recorded too, and wait). consumer_name is the projection's checkpoint name, projection:<name>.
CREATE TABLE IF NOT EXISTS tb_dead_letters (
    consumer_name   text        NOT NULL,
    event_id        uuid        NOT NULL,
    stream_id       uuid        NOT NULL,
    tx_id           bigint      NOT NULL,
    global_position bigint      NOT NULL,
    event_type      text        NOT NULL,
    error_type      text        NOT NULL,
    error_message   text        NOT NULL,
    attempts        integer     NOT NULL,
    parked_key      text,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT pk_tb_dead_letters PRIMARY KEY (consumer_name, event_id)
);

-- Listing and replaying go in log order per projection; the parked keys are read for every batch
-- of a ParkKey projection.
CREATE INDEX IF NOT EXISTS ix_tb_dead_letters_order ON tb_dead_letters (consumer_name, tx_id, global_position);

-- Records the events a batch set aside; one array element per event. Recording an event again
-- (a batch retried after a lost connection whose first try committed cannot get here: the
-- compare-and-set before it fails) replaces its row.
CREATE OR REPLACE FUNCTION fe_record_dead_letters(
    p_consumer_name  text,
    p_event_ids      uuid[],
    p_stream_ids     uuid[],
    p_tx_ids         bigint[],
    p_positions      bigint[],
    p_event_types    text[],
    p_error_types    text[],
    p_error_messages text[],
    p_attempts       integer[],
    p_parked_keys    text[])
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_count integer := coalesce(cardinality(p_event_ids), 0);
BEGIN
    IF p_consumer_name IS NULL
       OR cardinality(p_stream_ids) IS DISTINCT FROM v_count OR cardinality(p_tx_ids) IS DISTINCT FROM v_count
       OR cardinality(p_positions) IS DISTINCT FROM v_count OR cardinality(p_event_types) IS DISTINCT FROM v_count
       OR cardinality(p_error_types) IS DISTINCT FROM v_count OR cardinality(p_error_messages) IS DISTINCT FROM v_count
       OR cardinality(p_attempts) IS DISTINCT FROM v_count OR cardinality(p_parked_keys) IS DISTINCT FROM v_count THEN
        RAISE EXCEPTION 'dead letters of %: a consumer name and one array element per event are needed', p_consumer_name
            USING ERRCODE = 'FE005';
    END IF;
    INSERT INTO tb_dead_letters AS d (consumer_name, event_id, stream_id, tx_id, global_position, event_type, error_type, error_message,
                                      attempts, parked_key)
    SELECT p_consumer_name, x.event_id, x.stream_id, x.tx_id, x.global_position, x.event_type, x.error_type, x.error_message, x.attempts,
           x.parked_key
    FROM unnest(p_event_ids, p_stream_ids, p_tx_ids, p_positions, p_event_types, p_error_types, p_error_messages, p_attempts, p_parked_keys)
         AS x(event_id, stream_id, tx_id, global_position, event_type, error_type, error_message, attempts, parked_key)
    ON CONFLICT (consumer_name, event_id) DO UPDATE
    SET error_type = excluded.error_type, error_message = excluded.error_message, attempts = excluded.attempts,
        parked_key = excluded.parked_key, recorded_at = clock_timestamp();
END
$$;

-- Removes the events a replay applied, with the replay's writes.
CREATE OR REPLACE FUNCTION fe_release_dead_letters(p_consumer_name text, p_event_ids uuid[])
RETURNS void
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    DELETE FROM tb_dead_letters d WHERE d.consumer_name = p_consumer_name AND d.event_id = ANY (p_event_ids)
$$;

-- Lists a projection's set-aside events in log order.
CREATE OR REPLACE FUNCTION fe_read_dead_letters(p_consumer_name text)
RETURNS TABLE (event_id uuid, stream_id uuid, tx_id bigint, global_position bigint, event_type text, error_type text,
               error_message text, attempts integer, parked_key text, recorded_at timestamptz)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT d.event_id, d.stream_id, d.tx_id, d.global_position, d.event_type, d.error_type, d.error_message, d.attempts, d.parked_key,
           d.recorded_at
    FROM tb_dead_letters d
    WHERE d.consumer_name = p_consumer_name
    ORDER BY d.tx_id, d.global_position
$$;

-- A projection's parked keys.
CREATE OR REPLACE FUNCTION fe_parked_keys(p_consumer_name text)
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT DISTINCT d.parked_key FROM tb_dead_letters d WHERE d.consumer_name = p_consumer_name AND d.parked_key IS NOT NULL
$$;

-- The daemon runs as the application's role: fe_grant_store_access grants the writes to it, the
-- reads also to readers. The table itself is granted to nobody: every access goes through these.
INSERT INTO tb_store_functions (function_name, writes)
VALUES ('fe_record_dead_letters', true), ('fe_release_dead_letters', true), ('fe_read_dead_letters', false), ('fe_parked_keys', false)
ON CONFLICT (function_name) DO NOTHING;

DO $$
DECLARE
    v_function regprocedure;
    v_writes   boolean;
    v_role     text;
BEGIN
    FOR v_function, v_writes IN
        SELECT f.signature::regprocedure, f.writes
        FROM (VALUES ('fe_record_dead_letters(text, uuid[], uuid[], bigint[], bigint[], text[], text[], text[], integer[], text[])', true),
                     ('fe_release_dead_letters(text, uuid[])', true),
                     ('fe_read_dead_letters(text)', false),
                     ('fe_parked_keys(text)', false)) AS f(signature, writes)
    LOOP
        -- As 0005 does for every writing function: the owner's rights, the store's schema then pg_temp.
        -- The reads run as the owner too, since the table is granted to nobody.
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_function);
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', v_function, current_schema());
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_function);
        -- Roles granted the store before this file get what it adds: the writes to those allowed to
        -- append, the reads to those allowed to read the log.
        FOR v_role IN
            SELECT DISTINCT pg_get_userbyid(a.grantee)
            FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
            WHERE p.oid = CASE WHEN v_writes
                               THEN 'try_append_events(uuid, bigint, uuid[], text[], jsonb[], jsonb[], integer[], uuid[], text)'::regprocedure
                               ELSE 'read_log(bigint, bigint, integer)'::regprocedure END
              AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0
        LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_function, v_role);
        END LOOP;
    END LOOP;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (14, '0014_dead_letters') ON CONFLICT (version) DO NOTHING;
