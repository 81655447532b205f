-- The documented User read model, exactly as written in the design (event-sourcing-spec.md,
-- "Read Model Projections"): proj_user, update_user_projection(p_user_id) and v_user. The sample
-- applies it after `SET search_path TO <store schema>`, so that it reads that store's tb_events.
-- Kept verbatim on purpose (TIMESTAMP without time zone, and the rest): it shows that the SQL-first
-- path of the design runs unchanged on our schema. migrations/README.md says where the library's
-- own projections differ and why.

-- Projection table
CREATE TABLE proj_user (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 0,
    is_deleted BOOLEAN DEFAULT FALSE
);

-- Update projection function
CREATE OR REPLACE FUNCTION update_user_projection(p_user_id UUID)
RETURNS VOID AS $$
DECLARE
    event_record RECORD;
    current_state proj_user%ROWTYPE;
BEGIN
    -- Get current projection state
    SELECT * INTO current_state FROM proj_user WHERE id = p_user_id;

    -- If projection doesn't exist, initialize it
    IF current_state.id IS NULL THEN
        current_state.id := p_user_id;
        current_state.version := 0;
        current_state.is_deleted := FALSE;
    END IF;

    -- Apply all events since last version
    FOR event_record IN
        SELECT event_type, event_data, event_version
        FROM tb_events
        WHERE stream_id = p_user_id
        AND event_version > current_state.version
        ORDER BY event_version
    LOOP
        -- Apply event based on type
        CASE event_record.event_type
            WHEN 'USER_CREATED' THEN
                current_state.name := event_record.event_data->>'name';
                current_state.email := event_record.event_data->>'email';
                current_state.created_at := (event_record.event_data->>'created_at')::timestamp;

            WHEN 'USER_UPDATED' THEN
                IF event_record.event_data ? 'name' THEN
                    current_state.name := event_record.event_data->>'name';
                END IF;
                IF event_record.event_data ? 'email' THEN
                    current_state.email := event_record.event_data->>'email';
                END IF;
                current_state.updated_at := (event_record.event_data->>'updated_at')::timestamp;

            WHEN 'USER_DELETED' THEN
                current_state.is_deleted := TRUE;
        END CASE;

        current_state.version := event_record.event_version;
    END LOOP;

    -- Upsert projection
    INSERT INTO proj_user (id, name, email, created_at, updated_at, version, is_deleted)
    VALUES (current_state.id, current_state.name, current_state.email,
            current_state.created_at, current_state.updated_at,
            current_state.version, current_state.is_deleted)
    ON CONFLICT (id) DO UPDATE SET
        name = EXCLUDED.name,
        email = EXCLUDED.email,
        created_at = EXCLUDED.created_at,
        updated_at = EXCLUDED.updated_at,
        version = EXCLUDED.version,
        is_deleted = EXCLUDED.is_deleted;
END;
$$ LANGUAGE plpgsql;

CREATE VIEW v_user AS
SELECT
    id,
    jsonb_build_object(
        'id', id,
        'name', name,
        'email', email,
        'created_at', created_at,
        'updated_at', updated_at,
        'version', version
    ) AS data
FROM proj_user
WHERE is_deleted = FALSE;
