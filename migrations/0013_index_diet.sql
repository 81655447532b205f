-- FraiseEvents 0013: the indexes of tb_events, each kept for a query that needs it.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after the earlier files; idempotent. Run it
-- as the role that owns the store (see 0005). On an existing store it builds idx_events_id (one
-- pass over tb_events, holding off appends while it runs) and drops four indexes; see
-- migrations/README.md ("The indexes of tb_events") for what each index serves.
--
-- Before, an event cost about 280 bytes of indexes on top of its ~240 bytes of row. What stays:
-- * pk_tb_events (stream_id, event_version): stream reads, the version backstop, get_events_at.
-- * idx_events_tx_position (tx_id, global_position): the consumers' poll (read_log,
--   read_log_filtered, ReadAllAsync), the end of the log, verify_store's max(tx_id).
-- * idx_events_created_at (BRIN): time-range scans by SQL users, a few pages for the whole log.
-- * idx_events_id (id), new: finds the events an append's ids already name (resends, id reuse),
--   one probe per id whatever the stream's length.

-- Event ids are unique within their stream because every write goes through try_append_events
-- (or the bulk import, which creates new streams only and refuses an id twice in a stream before
-- it writes): under the stream's lock, it refuses ids the stream already holds (status 3) and ids
-- given twice (FE005). The unique constraint (stream_id, id) only repeated that check, at the
-- cost of the widest index of the table (a 32-byte key, filled in stream order rather than in the
-- order events arrive, so about half-full pages). Its lookups move to a btree on the id alone:
-- half the key, and ids (UUIDv7 by default) grow with time, so new entries land on the
-- rightmost pages, which stay full and few.
CREATE INDEX IF NOT EXISTS idx_events_id ON tb_events (id);
ALTER TABLE tb_events DROP CONSTRAINT IF EXISTS uq_tb_events_stream_event_id;

-- No query reads by global_position alone: consumers and ReadAllAsync page by
-- (tx_id, global_position), which idx_events_tx_position serves, and audit_trail_by_author pages
-- by (created_at, global_position) within an author. global_position stays unique by construction
-- (an identity column).
DROP INDEX IF EXISTS idx_events_global_position;

-- No query of the library filters the whole log by event type: read_log_filtered filters the rows
-- the poll has already read, and the audit functions filter one stream's or one author's events.
-- A SQL user who does can create it again (CREATE INDEX CONCURRENTLY ... ON tb_events (event_type)).
DROP INDEX IF EXISTS idx_events_type;

-- The author index is opt-in (PostgresEventStoreOptions.IndexEventsByAuthor, or the function
-- below): it cost as much as the primary key on every event, for a query many stores never run.
-- audit_trail_by_author returns the same rows without it, by reading the whole log.
DROP INDEX IF EXISTS idx_events_created_by;

-- Creates the author index that serves audit_trail_by_author (the filter and the newest-first
-- order, without a sort) if it is missing; true when it created it. Runs as the caller, so only
-- the store's owner can create it; anyone may call it once it exists, which changes nothing.
-- Building it holds off appends until it is done; on a large store create it beforehand with
-- CREATE INDEX CONCURRENTLY and the same definition (docs/time-travel-and-audit.md).
-- Named differently from 0003's index, which a re-run of 0003 creates and this file then drops.
CREATE OR REPLACE FUNCTION fe_index_events_by_author() RETURNS boolean
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    IF to_regclass('idx_events_by_author') IS NOT NULL THEN
        RETURN false;
    END IF;
    CREATE INDEX IF NOT EXISTS idx_events_by_author
        ON tb_events (created_by, created_at, global_position)
        WHERE created_by IS NOT NULL;
    RETURN true;
END
$$;

DO $$
BEGIN
    -- As 0005 does for every function: the store's schema, then pg_temp.
    EXECUTE format('ALTER FUNCTION fe_index_events_by_author() SET search_path = %I, pg_temp', current_schema());
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (13, '0013_index_diet') ON CONFLICT (version) DO NOTHING;
