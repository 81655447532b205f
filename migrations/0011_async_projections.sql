-- FraiseEvents 0011: async projections, run from the global log by the projection daemon.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0010, as the role that owns the
-- store; idempotent. No table changes: an async projection's checkpoint is a row of tb_checkpoints
-- (consumer 'projection:<name>'), its documents live in proj_<name> as an inline projection's do.
-- The daemon sends each batch as one implicit transaction (one round trip):
--   fe_advance_projection(...)           the checkpoint's compare-and-set; raises FE010 if it moved
--   fe_apply_projection_documents(...)   a document projection's documents, or
--   <the SQL projection's statements>
-- so the batch's writes commit with the checkpoint or not at all, and a runner whose checkpoint was
-- moved by another (a zombie after a take-over) has its whole batch rolled back.
-- Error codes raised here:
--   FE005 invalid argument
--   FE010 an async projection's checkpoint is no longer where the runner left it

-- The checkpoint's compare-and-set of a batch (advance_checkpoint), raising instead of answering
-- false so that the statements after it in the batch never run. advance_checkpoint updates the row
-- under its lock: of two runners expecting the same position, the second waits for the first to
-- commit, then finds the checkpoint moved.
CREATE OR REPLACE FUNCTION fe_advance_projection(
    p_consumer_name     text,
    p_expected_tx_id    bigint,
    p_expected_position bigint,
    p_tx_id             bigint,
    p_global_position   bigint,
    p_event_id          uuid)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    IF NOT advance_checkpoint(p_consumer_name, p_expected_tx_id, p_expected_position, p_tx_id, p_global_position, p_event_id) THEN
        RAISE EXCEPTION 'the checkpoint of % is no longer at %/%: another runner moved it', p_consumer_name, p_expected_tx_id, p_expected_position
            USING ERRCODE = 'FE010',
                  HINT = 'This runner''s batch is rolled back; it gives the projection up to the runner that holds it.';
    END IF;
END
$$;

-- Writes the documents an async projection's batch computed: per document the key, the new data
-- (NULL with deleted), and the version and global position of the last event applied to it (known
-- from the log, unlike an inline append's, which fe_write_proj_<name> looks up). One runner at a time
-- writes a projection's documents (its lock, and the compare-and-set before this call in the same
-- transaction), so the documents are written as computed: inserted, or updated with the revision
-- bumped. One function for every table, with the table's name from tb_projections: it runs once per
-- batch, so planning it per call costs little.
CREATE OR REPLACE FUNCTION fe_apply_projection_documents(
    p_projection text,
    p_ids        text[],
    p_data       jsonb[],
    p_deleted    boolean[],
    p_versions   integer[],
    p_positions  bigint[])
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_key_type text;
    v_count    integer := coalesce(cardinality(p_ids), 0);
BEGIN
    SELECT p.key_type INTO v_key_type FROM tb_projections p WHERE p.name = p_projection AND p.kind = 'document';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no document projection %', p_projection USING ERRCODE = 'FE005';
    END IF;
    IF cardinality(p_data) IS DISTINCT FROM v_count OR cardinality(p_deleted) IS DISTINCT FROM v_count
       OR cardinality(p_versions) IS DISTINCT FROM v_count OR cardinality(p_positions) IS DISTINCT FROM v_count THEN
        RAISE EXCEPTION 'projection %: every array needs one element per document', p_projection USING ERRCODE = 'FE005';
    END IF;
    EXECUTE format(
        'INSERT INTO %I AS d (id, data, revision, version, global_position, deleted)
         SELECT x.id::%s, x.data, 1, x.version, x.position, x.deleted
         FROM unnest($1, $2, $3, $4, $5) AS x(id, data, deleted, version, position)
         ON CONFLICT (id) DO UPDATE
         SET data = excluded.data, deleted = excluded.deleted, revision = d.revision + 1, version = excluded.version,
             global_position = excluded.global_position, updated_at = clock_timestamp()',
        'proj_' || p_projection, v_key_type)
    USING p_ids, p_data, p_deleted, p_versions, p_positions;
END
$$;

-- One runner per async projection across processes: a session-level advisory lock, keyed by the
-- store's schema and the projection's name, held by the daemon on a connection of its own for as
-- long as it runs the projection. It is released by fe_unlock_projection or when the session ends
-- (the process dies, its connection is terminated), and another daemon then takes it. A session
-- lock needs a session: a direct connection or session pooling, never a transaction-pooling proxy.
-- The first key differs from the one fe_ensure_document_projection takes per projection name, so
-- creating a projection's table never waits for its runner.
CREATE OR REPLACE FUNCTION fe_try_lock_projection(p_projection text)
RETURNS boolean
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    SELECT pg_try_advisory_lock(hashtext('fraiseevents.projection_daemon'), hashtext(current_schema() || '.' || p_projection))
$$;

CREATE OR REPLACE FUNCTION fe_unlock_projection(p_projection text)
RETURNS boolean
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    SELECT pg_advisory_unlock(hashtext('fraiseevents.projection_daemon'), hashtext(current_schema() || '.' || p_projection))
$$;

-- The daemon runs as the application's role: fe_grant_store_access grants these to it (not to readers).
INSERT INTO tb_store_functions (function_name, writes)
VALUES ('fe_advance_projection', true), ('fe_apply_projection_documents', true), ('fe_try_lock_projection', true),
       ('fe_unlock_projection', true)
ON CONFLICT (function_name) DO NOTHING;

DO $$
DECLARE
    v_function regprocedure;
    v_role     text;
BEGIN
    FOREACH v_function IN ARRAY ARRAY[
        'fe_advance_projection(text, bigint, bigint, bigint, bigint, uuid)'::regprocedure,
        'fe_apply_projection_documents(text, text[], jsonb[], boolean[], integer[], bigint[])'::regprocedure,
        'fe_try_lock_projection(text)'::regprocedure,
        'fe_unlock_projection(text)'::regprocedure]
    LOOP
        -- As 0005 does for every writing function: the owner's rights, the store's schema then pg_temp.
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', v_function);
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', v_function, current_schema());
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_function);
        -- Roles granted the store before this file, and allowed to append, get what it adds.
        FOR v_role IN
            SELECT DISTINCT pg_get_userbyid(a.grantee)
            FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a
            WHERE p.oid = 'try_append_events(uuid, bigint, uuid[], text[], jsonb[], jsonb[], integer[], uuid[], text)'::regprocedure
              AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0
        LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_function, v_role);
        END LOOP;
    END LOOP;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (11, '0011_async_projections') ON CONFLICT (version) DO NOTHING;
