-- FraiseEvents 0006: the database refuses what the C# API refuses, whoever writes.
--
-- Applies unchanged with `psql -v ON_ERROR_STOP=1 -f` after 0001-0005; idempotent.
-- Error codes: 23514 (check_violation) from the constraints below, naming the constraint.
--
-- The C# API never writes the empty uuid as a stream id, nor an event or stream type that is
-- blank or starts or ends with white space, but the SQL API (append_event, append_events) could:
-- a row under the empty uuid could not be read back as a stream, and a name with stray spaces is
-- not the name any registered type has. The constraints are added NOT VALID, so that a store with
-- millions of events is not scanned (and locked) to add them: they hold for every row written
-- from now on, and rows written before stay readable (the global log surfaces what it cannot map,
-- see UnreadableEvent). `ALTER TABLE … VALIDATE CONSTRAINT` checks the old rows when convenient.
-- btrim rather than a regular expression: these run for every appended event.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'tb_events'::regclass AND conname = 'ck_tb_events_stream_id_not_nil') THEN
        ALTER TABLE tb_events ADD CONSTRAINT ck_tb_events_stream_id_not_nil
            CHECK (stream_id <> '00000000-0000-0000-0000-000000000000'::uuid) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'tb_events'::regclass AND conname = 'ck_tb_events_event_type_trimmed') THEN
        ALTER TABLE tb_events ADD CONSTRAINT ck_tb_events_event_type_trimmed
            CHECK (event_type::text = btrim(event_type::text, E' \t\r\n\f\v')) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'tb_streams'::regclass AND conname = 'ck_tb_streams_stream_id_not_nil') THEN
        ALTER TABLE tb_streams ADD CONSTRAINT ck_tb_streams_stream_id_not_nil
            CHECK (stream_id <> '00000000-0000-0000-0000-000000000000'::uuid) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'tb_streams'::regclass AND conname = 'ck_tb_streams_stream_type_trimmed') THEN
        ALTER TABLE tb_streams ADD CONSTRAINT ck_tb_streams_stream_type_trimmed
            CHECK (stream_type::text = btrim(stream_type::text, E' \t\r\n\f\v')) NOT VALID;
    END IF;
END
$$;

INSERT INTO tb_schema_migrations (version, name) VALUES (6, '0006_input_checks') ON CONFLICT (version) DO NOTHING;
