-- FraiseEvents 0001: the event log.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f`; the library applies exactly this file after
-- `SET LOCAL search_path TO <schema>` so that one database can hold several stores. Every statement
-- is idempotent, so running the file twice is harmless. See migrations/README.md for each departure
-- from the documented design and why.

CREATE TABLE IF NOT EXISTS tb_schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- One row describing this store: the offset added to transaction ids (raised by
-- rebase_transaction_ids() after a restore into a cluster whose xid counter is behind the stored
-- ones) and the cluster the store was created on, so that a restore or failover is noticed.
CREATE TABLE IF NOT EXISTS tb_store_info (
    id                int         PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    tx_offset         bigint      NOT NULL DEFAULT 0 CHECK (tx_offset >= 0),
    system_identifier bigint      NOT NULL,
    timeline_id       integer     NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    verified_at       timestamptz
);

INSERT INTO tb_store_info (id, system_identifier, timeline_id)
SELECT 1, (pg_control_system()).system_identifier, (pg_control_checkpoint()).timeline_id
ON CONFLICT (id) DO NOTHING;

-- The transaction id stamped on every event: the writing transaction's xid8 plus the store's offset.
-- bigint rather than xid8 so that every driver can read it.
-- PL/pgSQL, like fe_safe_tx below: a SQL function that sets search_path cannot be inlined, and
-- then plans its body on every call (~20-70 µs); PL/pgSQL keeps the plan.
CREATE OR REPLACE FUNCTION fe_current_tx() RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$ BEGIN RETURN (SELECT pg_current_xact_id()::text::bigint + tx_offset FROM tb_store_info WHERE id = 1); END $$;

-- Every transaction below this value has ended: events with a smaller tx_id can no longer appear.
-- Consumers read only below it, so an event committed late is never skipped.
CREATE OR REPLACE FUNCTION fe_safe_tx() RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $$ BEGIN RETURN (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint + tx_offset FROM tb_store_info WHERE id = 1); END $$;

-- One row per stream: its current version, read and updated by every append under the stream's
-- lock (an advisory lock, see try_append_events in 0002), so writers to different streams never
-- wait for each other. fillfactor leaves room for HOT updates of the version on every append.
CREATE TABLE IF NOT EXISTS tb_streams (
    stream_id   uuid         PRIMARY KEY,
    stream_type varchar(100) CHECK (stream_type <> ''),
    version     integer      NOT NULL DEFAULT 0 CHECK (version >= 0),
    created_at  timestamptz  NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz  NOT NULL DEFAULT clock_timestamp()
) WITH (fillfactor = 80);

CREATE TABLE IF NOT EXISTS tb_events (
    id              uuid         NOT NULL,
    stream_id       uuid         NOT NULL,
    event_type      varchar(100) NOT NULL CHECK (event_type <> ''),
    event_version   integer      NOT NULL CHECK (event_version >= 1),
    event_data      jsonb        NOT NULL,
    metadata        jsonb        NOT NULL DEFAULT '{}',
    created_at      timestamptz  NOT NULL DEFAULT clock_timestamp(),
    created_by      uuid,
    global_position bigint       GENERATED ALWAYS AS IDENTITY,
    tx_id           bigint       NOT NULL DEFAULT fe_current_tx(),
    schema_version  integer      NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
    -- Every unique key contains stream_id, so the table can later be partitioned or distributed by
    -- stream without dropping a constraint.
    CONSTRAINT pk_tb_events PRIMARY KEY (stream_id, event_version),
    CONSTRAINT uq_tb_events_stream_event_id UNIQUE (stream_id, id)
);

-- global_position is unique by construction (identity); a plain index keeps that true under
-- partitioning, where a unique index would have to contain the partition key.
CREATE INDEX IF NOT EXISTS idx_events_global_position ON tb_events (global_position);
-- The consumer poll: WHERE tx_id < fe_safe_tx() AND (tx_id, global_position) > checkpoint ORDER BY both.
CREATE INDEX IF NOT EXISTS idx_events_tx_position ON tb_events (tx_id, global_position);
CREATE INDEX IF NOT EXISTS idx_events_type ON tb_events (event_type);
-- created_at only grows within a stream and almost only grows across the table, so a BRIN index
-- answers time-range scans at a fraction of a btree's write cost.
CREATE INDEX IF NOT EXISTS idx_events_created_at ON tb_events USING brin (created_at);

-- The event log is append-only. Statement-level triggers reject even an UPDATE or DELETE that
-- matches no row, so a mistaken maintenance script fails loudly instead of silently.
CREATE OR REPLACE FUNCTION fe_reject_event_changes() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'tb_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'FE004',
              HINT = 'Events are immutable. Append a compensating event instead of changing history.';
END
$$;

CREATE OR REPLACE TRIGGER trg_events_append_only
    BEFORE UPDATE OR DELETE ON tb_events
    FOR EACH STATEMENT EXECUTE FUNCTION fe_reject_event_changes();

CREATE OR REPLACE TRIGGER trg_events_no_truncate
    BEFORE TRUNCATE ON tb_events
    FOR EACH STATEMENT EXECUTE FUNCTION fe_reject_event_changes();

-- Consumer checkpoints, keyed by consumer and log. log_id is 0 today; a store split into several
-- logs later (per bucket or per database) adds rows instead of changing this table. The event id
-- fingerprints the checkpoint so a restore or failover that lost the event is detected.
CREATE TABLE IF NOT EXISTS tb_checkpoints (
    consumer_name   text        NOT NULL CHECK (consumer_name <> '' AND length(consumer_name) <= 200),
    log_id          integer     NOT NULL DEFAULT 0,
    tx_id           bigint      NOT NULL DEFAULT 0,
    global_position bigint      NOT NULL DEFAULT 0,
    event_id        uuid,
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT pk_tb_checkpoints PRIMARY KEY (consumer_name, log_id)
);

INSERT INTO tb_schema_migrations (version, name) VALUES (1, '0001_event_log') ON CONFLICT (version) DO NOTHING;
