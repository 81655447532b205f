-- FraiseEvents 0015: rebuilding an async document projection blue/green (ProjectionDaemon.RebuildAsync).
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0013, as the role that owns the
-- store; idempotent. No table of its own: while a rebuild runs, its shadow table proj_<name>__rb
-- (the live table's shape, LIKE ... INCLUDING ALL) holds the new documents and the checkpoint
-- 'rebuild:<name>' in tb_checkpoints says how far they go. The suffix is short so that the longest
-- projection name (50) still gives a table name within PostgreSQL's 63 characters.
-- The application role has no DDL rights: these functions run as the owner (SECURITY DEFINER) and
-- only ever touch proj_<name>, proj_<name>__rb and v_<name> of a document projection registered in
-- tb_projections, its name checked against the names 0004 allows.
-- Error codes raised here:
--   FE005 invalid argument (not a registered document projection, no rebuild started)

-- The document projection's name, checked; raises FE005 when it is not a registered document projection.
CREATE OR REPLACE FUNCTION fe_rebuild_projection_name(p_projection text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $$
BEGIN
    IF p_projection IS NULL OR p_projection !~ '^[a-z][a-z0-9_]{0,49}$'
       OR NOT EXISTS (SELECT FROM tb_projections p WHERE p.name = p_projection AND p.kind = 'document') THEN
        RAISE EXCEPTION 'there is no document projection %', p_projection USING ERRCODE = 'FE005';
    END IF;
    RETURN p_projection;
END
$$;

-- Starts a rebuild afresh: an empty shadow table (a previous one, from a rebuild that was cancelled
-- or died, is dropped) and the rebuild's checkpoint at the start of the log.
CREATE OR REPLACE FUNCTION fe_start_projection_rebuild(p_projection text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_name text := fe_rebuild_projection_name(p_projection);
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', 'proj_' || v_name || '__rb');
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL)', 'proj_' || v_name || '__rb', 'proj_' || v_name);
    DELETE FROM tb_checkpoints c WHERE c.consumer_name = 'rebuild:' || v_name AND c.log_id = 0;
END
$$;

-- The shadow's documents with these keys (deleted ones included), as fe_read_proj_<name> reads the live ones.
CREATE OR REPLACE FUNCTION fe_read_rebuild_documents(p_projection text, p_ids text[])
RETURNS TABLE (id text, data jsonb, revision bigint, deleted boolean)
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $$
DECLARE
    v_name     text := fe_rebuild_projection_name(p_projection);
    v_key_type text := (SELECT p.key_type FROM tb_projections p WHERE p.name = v_name AND p.kind = 'document');
BEGIN
    RETURN QUERY EXECUTE format('SELECT d.id::text, d.data, d.revision, d.deleted FROM %I d WHERE d.id = ANY ($1::%s[])',
                                'proj_' || v_name || '__rb', v_key_type)
        USING p_ids;
END
$$;

-- Writes a rebuild batch's documents into the shadow, as fe_apply_projection_documents (0011) writes
-- a batch into the live table; the daemon sends it after fe_advance_projection('rebuild:<name>', ...)
-- in the same transaction.
CREATE OR REPLACE FUNCTION fe_apply_rebuild_documents(
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
    v_name     text := fe_rebuild_projection_name(p_projection);
    v_key_type text := (SELECT p.key_type FROM tb_projections p WHERE p.name = v_name AND p.kind = 'document');
    v_count    integer := coalesce(cardinality(p_ids), 0);
BEGIN
    IF cardinality(p_data) IS DISTINCT FROM v_count OR cardinality(p_deleted) IS DISTINCT FROM v_count
       OR cardinality(p_versions) IS DISTINCT FROM v_count OR cardinality(p_positions) IS DISTINCT FROM v_count THEN
        RAISE EXCEPTION 'projection %: every array needs one element per document', v_name USING ERRCODE = 'FE005';
    END IF;
    EXECUTE format(
        'INSERT INTO %I AS d (id, data, revision, version, global_position, deleted)
         SELECT x.id::%s, x.data, 1, x.version, x.position, x.deleted
         FROM unnest($1, $2, $3, $4, $5) AS x(id, data, deleted, version, position)
         ON CONFLICT (id) DO UPDATE
         SET data = excluded.data, deleted = excluded.deleted, revision = d.revision + 1, version = excluded.version,
             global_position = excluded.global_position, updated_at = clock_timestamp()',
        'proj_' || v_name || '__rb', v_key_type)
    USING p_ids, p_data, p_deleted, p_versions, p_positions;
END
$$;

-- The swap, in the caller's one transaction. Returns false, changing nothing, when the live
-- checkpoint is no longer at p_live (a batch of the live projection committed meanwhile: catch up
-- and try again) or the shadow is not at p_rebuilt. Otherwise:
--   1. takes proj_<name> in ACCESS EXCLUSIVE mode: readers and writers of the live table wait for
--      the swap's commit (a live batch in flight is waited for, then the checkpoint check fails);
--   2. gives the shadow the live table's grants (readers' SELECT; whatever else was granted);
--   3. renames the live table away and the shadow to proj_<name>, repoints v_<name> (a view follows
--      its table, not the name) and drops the old table. fe_read_proj_<name> and fe_write_proj_<name>
--      name the table in their statements: their cached plans are invalidated by the DDL and planned
--      again against the new proj_<name>, so they need no change;
--   4. sets the live checkpoint to the shadow's and removes the rebuild's.
-- A view or foreign key of the user's own on proj_<name> keeps the old table from being dropped:
-- the swap then fails and rolls back, and the live projection is left as it was.
CREATE OR REPLACE FUNCTION fe_swap_projection_rebuild(
    p_projection     text,
    p_live_tx_id     bigint,
    p_live_position  bigint,
    p_rebuilt_tx_id  bigint,
    p_rebuilt_position bigint)
RETURNS boolean
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_name      text := fe_rebuild_projection_name(p_projection);
    v_live      text := 'proj_' || v_name;
    v_shadow    text := 'proj_' || v_name || '__rb';
    v_old       text := 'proj_' || v_name || '__old';
    v_tx        bigint;
    v_position  bigint;
    v_event_id  uuid;
    v_grant     record;
    v_pkey      text;
BEGIN
    IF to_regclass(quote_ident(v_shadow)) IS NULL THEN
        RAISE EXCEPTION 'projection % has no rebuild under way (no %)', v_name, v_shadow USING ERRCODE = 'FE005';
    END IF;
    EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', v_live);

    SELECT c.tx_id, c.global_position INTO v_tx, v_position
    FROM tb_checkpoints c WHERE c.consumer_name = 'projection:' || v_name AND c.log_id = 0 FOR UPDATE;
    IF (coalesce(v_tx, 0), coalesce(v_position, 0)) <> (p_live_tx_id, p_live_position) THEN
        RETURN false;
    END IF;
    SELECT c.tx_id, c.global_position, c.event_id INTO v_tx, v_position, v_event_id
    FROM tb_checkpoints c WHERE c.consumer_name = 'rebuild:' || v_name AND c.log_id = 0 FOR UPDATE;
    IF (coalesce(v_tx, 0), coalesce(v_position, 0)) <> (p_rebuilt_tx_id, p_rebuilt_position) THEN
        RETURN false;
    END IF;

    FOR v_grant IN
        SELECT a.grantee, a.privilege_type
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.oid = quote_ident(v_live)::regclass AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT %s ON %I TO %s', v_grant.privilege_type, v_shadow,
                       CASE WHEN v_grant.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(v_grant.grantee)) END);
    END LOOP;

    EXECUTE format('ALTER TABLE %I RENAME TO %I', v_live, v_old);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', v_shadow, v_live);
    EXECUTE format('CREATE OR REPLACE VIEW %I AS SELECT id, data FROM %I WHERE NOT deleted', 'v_' || v_name, v_live);
    EXECUTE format('DROP TABLE %I', v_old);
    -- The shadow's primary key was named after the shadow: give it the live table's usual name back.
    SELECT con.conname INTO v_pkey FROM pg_constraint con
    WHERE con.conrelid = quote_ident(v_live)::regclass AND con.contype = 'p';
    IF v_pkey IS NOT NULL AND v_pkey <> v_live || '_pkey' THEN
        EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', v_live, v_pkey, v_live || '_pkey');
    END IF;

    INSERT INTO tb_checkpoints (consumer_name, log_id) VALUES ('projection:' || v_name, 0)
    ON CONFLICT (consumer_name, log_id) DO NOTHING;
    UPDATE tb_checkpoints c
    SET tx_id = p_rebuilt_tx_id, global_position = p_rebuilt_position, event_id = v_event_id, updated_at = clock_timestamp()
    WHERE c.consumer_name = 'projection:' || v_name AND c.log_id = 0;
    DELETE FROM tb_checkpoints c WHERE c.consumer_name = 'rebuild:' || v_name AND c.log_id = 0;
    RETURN true;
END
$$;

-- Abandons a rebuild: drops the shadow and the rebuild's checkpoint; the live projection is untouched.
CREATE OR REPLACE FUNCTION fe_drop_projection_rebuild(p_projection text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_name text := fe_rebuild_projection_name(p_projection);
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', 'proj_' || v_name || '__rb');
    DELETE FROM tb_checkpoints c WHERE c.consumer_name = 'rebuild:' || v_name AND c.log_id = 0;
END
$$;

INSERT INTO tb_store_functions (function_name, writes)
VALUES ('fe_rebuild_projection_name', true), ('fe_start_projection_rebuild', true), ('fe_read_rebuild_documents', true),
       ('fe_apply_rebuild_documents', true), ('fe_swap_projection_rebuild', true), ('fe_drop_projection_rebuild', true)
ON CONFLICT (function_name) DO NOTHING;

DO $$
DECLARE
    v_function regprocedure;
    v_role     text;
BEGIN
    FOREACH v_function IN ARRAY ARRAY[
        'fe_rebuild_projection_name(text)'::regprocedure,
        'fe_start_projection_rebuild(text)'::regprocedure,
        'fe_read_rebuild_documents(text, text[])'::regprocedure,
        'fe_apply_rebuild_documents(text, text[], jsonb[], boolean[], integer[], bigint[])'::regprocedure,
        'fe_swap_projection_rebuild(text, bigint, bigint, bigint, bigint)'::regprocedure,
        'fe_drop_projection_rebuild(text)'::regprocedure]
    LOOP
        -- As 0005 and 0011 do for every writing function: the owner's rights, the store's schema then pg_temp.
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

INSERT INTO tb_schema_migrations (version, name) VALUES (15, '0015_rebuilds') ON CONFLICT (version) DO NOTHING;
