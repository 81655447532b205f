-- Spreading async projections across processes: each projection daemon of a store announces itself by
-- holding a session advisory lock on one "member slot" of the store (the first free of 0, 1, 2, ...),
-- on a connection of its own, for as long as it runs. The live daemons of the store are the slots held;
-- a daemon that stops unlocks its slot, and one that dies (its session ends) loses it with its session.
-- The first key is the store's schema under a prefix of its own, so it never meets a projection's lock
-- (fe_try_lock_projection) or the other advisory locks; the second is the slot number itself, so that
-- fe_count_projection_daemons can find the held slots in pg_locks (visible to every role).
CREATE OR REPLACE FUNCTION fe_try_join_projection_daemons(p_slot integer)
RETURNS boolean
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    SELECT pg_try_advisory_lock(hashtext('fraiseevents.projection_daemon_member.' || current_schema()), p_slot)
$$;

CREATE OR REPLACE FUNCTION fe_leave_projection_daemons(p_slot integer)
RETURNS boolean
LANGUAGE sql
SET search_path FROM CURRENT
AS $$
    SELECT pg_advisory_unlock(hashtext('fraiseevents.projection_daemon_member.' || current_schema()), p_slot)
$$;

-- How many daemons of this store are live: the member slots held by any session of this database.
-- A two-key advisory lock shows its first key as classid and its second as objid, with objsubid 2.
CREATE OR REPLACE FUNCTION fe_count_projection_daemons()
RETURNS integer
LANGUAGE sql
STABLE
SET search_path FROM CURRENT
AS $$
    SELECT count(*)::integer
    FROM pg_catalog.pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 2
      AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      AND classid = (hashtext('fraiseevents.projection_daemon_member.' || current_schema())::bigint & 4294967295)::oid
$$;

-- The daemon runs as the application's role: fe_grant_store_access grants these to it (not to readers).
INSERT INTO tb_store_functions (function_name, writes)
VALUES ('fe_try_join_projection_daemons', true), ('fe_leave_projection_daemons', true), ('fe_count_projection_daemons', true)
ON CONFLICT (function_name) DO NOTHING;

DO $$
DECLARE
    v_function regprocedure;
    v_role     text;
BEGIN
    FOREACH v_function IN ARRAY ARRAY[
        'fe_try_join_projection_daemons(integer)'::regprocedure,
        'fe_leave_projection_daemons(integer)'::regprocedure,
        'fe_count_projection_daemons()'::regprocedure]
    LOOP
        -- As 0011 does for the projection locks: the owner's rights, the store's schema then pg_temp.
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

INSERT INTO tb_schema_migrations (version, name) VALUES (16, '0016_projection_daemon_members') ON CONFLICT (version) DO NOTHING;
