-- The ledger (docs/design.md, "The ledger"): every row the functions write to an exported table becomes, within a
-- minute, a leaf of an append-only Merkle tree (RFC 9162) whose signed tree heads, the checkpoints, are written once
-- to the export bucket. The checkpoint run (ledger.Checkpointer, as event_recorder_ledger) keeps its state here:
--
-- * ledger.checkpoints: one row per signed checkpoint, with the snapshot of the transaction that found its rows. The
--   next run's new rows are those that snapshot could not see (recorded_xid, V9) and its own can.
-- * ledger.leaves: one row per leaf, in tree order: what the entry says, its row hash and its leaf hash.
-- * ledger.nodes: the complete subtrees at levels 4, 8, 12, ... (about one row per 15 leaves), so that a root or a
--   proof needs a few dozen lookups at any size.
-- * ledger.row_changes: the keys of the rows an UPDATE or DELETE changed, noted by the statement trigger the export
--   already has (audit.note_export_changes, replaced below), so that a change becomes a REVISED or REMOVED leaf.
--
-- Online: it creates a schema, four empty tables and a function, and replaces the trigger function. No existing
-- table is altered, rewritten or scanned; CREATE OR REPLACE FUNCTION locks only the function's own catalog row, and
-- statements already running keep the body they started with. Inserts into the exported tables take no lock this
-- migration waits for. lock_timeout all the same, as V9: whatever it does wait for, it gives up (and migrate can simply
-- be run again) rather than hold up others behind it.
SET LOCAL lock_timeout = '10s';

CREATE SCHEMA ledger;

CREATE TABLE ledger.checkpoints (
    sequence     bigint      PRIMARY KEY CHECK (sequence >= 0),
    tree_size    bigint      NOT NULL UNIQUE CHECK (tree_size >= 0),
    root         bytea       NOT NULL CHECK (length(root) = 32),
    -- pg_current_snapshot() of the transaction that found this checkpoint's rows, as text
    snapshot     text        NOT NULL,
    -- the signed text (ledger.Checkpoint)
    note         text        NOT NULL,
    key_id       text        NOT NULL,
    signature    bytea       NOT NULL,
    -- the consistency proof from the previous checkpoint's size: 32-byte hashes, one after another
    consistency  bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- set once the object is in the bucket; NULL marks a checkpoint the next run publishes
    published_at timestamptz
);

CREATE TABLE ledger.leaves (
    position   bigint   PRIMARY KEY CHECK (position >= 0),
    table_name text     NOT NULL,
    row_key    text[]   NOT NULL,
    day        text     NOT NULL,
    kind       smallint NOT NULL CHECK (kind BETWEEN 0 AND 2),
    row_hash   bytea    NOT NULL CHECK (length(row_hash) = 32),
    leaf_hash  bytea    NOT NULL CHECK (length(leaf_hash) = 32)
);
-- A row's leaves, for its proof (verify event).
CREATE INDEX leaves_row ON ledger.leaves (table_name, row_key);

CREATE TABLE ledger.nodes (
    level smallint NOT NULL CHECK (level > 0 AND level % 4 = 0),
    idx   bigint   NOT NULL CHECK (idx >= 0),
    hash  bytea    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

-- Small: UPDATE and DELETE are rare on these tables. The key leads with the transaction, which is what the run
-- searches by, as audit.export_changes does.
CREATE TABLE ledger.row_changes (
    changed_xid bigint    NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    table_name  text      NOT NULL,
    -- the key columns' values, in key order (ExportedTable.keyColumns), as to_jsonb gives them
    row_key     jsonb     NOT NULL,
    -- the day column of the row before the change (its parent's, for a child table): a REMOVED leaf's day
    day_time    timestamp,
    PRIMARY KEY (changed_xid, table_name, row_key)
);

-- The values of the named columns of a row (as jsonb), in that order.
CREATE FUNCTION ledger.row_key(r jsonb, columns text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_agg(r -> c ORDER BY n) FROM unnest(columns) WITH ORDINALITY u(c, n)
$$;

-- V9's function, with the ledger's part after its own: it notes the keys of the rows the statement changed (before,
-- and after an UPDATE: a changed key is a row gone and a row revised). A child's day is its parent's, so when an
-- UPDATE moves a parent to another time its children's keys are noted too: their leaves' day changes with it.
CREATE OR REPLACE FUNCTION audit.note_export_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    days date[];
    key_columns text[];
BEGIN
    IF TG_ARGV[0] = 'idp_data.upload_session_validation_failures' THEN
        SELECT array_agg(DISTINCT p.time_stamp::date) INTO days FROM idp_data.upload_sessions p
         WHERE p.id IN (SELECT upload_session_id FROM old_rows);
        IF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT d) INTO days FROM (SELECT unnest(days) UNION SELECT p.time_stamp::date
              FROM idp_data.upload_sessions p WHERE p.id IN (SELECT upload_session_id FROM new_rows)) x(d);
        END IF;
    ELSIF TG_ARGV[0] = 'idp_data.idp_fraud_event_contraindicators' THEN
        SELECT array_agg(DISTINCT p.time_stamp::date) INTO days FROM idp_data.idp_fraud_events p
         WHERE p.id IN (SELECT idp_fraud_events_id FROM old_rows);
        IF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT d) INTO days FROM (SELECT unnest(days) UNION SELECT p.time_stamp::date
              FROM idp_data.idp_fraud_events p WHERE p.id IN (SELECT idp_fraud_events_id FROM new_rows)) x(d);
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT d) INTO days
          FROM (SELECT time_stamp::date FROM old_rows UNION SELECT time_stamp::date FROM new_rows) x(d);
    ELSE
        SELECT array_agg(DISTINCT time_stamp::date) INTO days FROM old_rows;
    END IF;
    INSERT INTO audit.export_changes (table_name, day)
    SELECT t, d FROM unnest(days) d,
           unnest(ARRAY[TG_ARGV[0]] || CASE TG_ARGV[0]
               WHEN 'idp_data.upload_sessions' THEN ARRAY['idp_data.upload_session_validation_failures']
               WHEN 'idp_data.idp_fraud_events' THEN ARRAY['idp_data.idp_fraud_event_contraindicators']
               ELSE ARRAY[]::text[] END) t
     WHERE d IS NOT NULL
    ON CONFLICT DO NOTHING;

    -- The ledger: each changed row's key, with the day it was on.
    key_columns := CASE TG_ARGV[0]
        WHEN 'audit.audit_events' THEN ARRAY['event_id', 'time_stamp']
        WHEN 'billing.billing_events' THEN ARRAY['event_id']
        WHEN 'billing.fraud_events' THEN ARRAY['event_id']
        WHEN 'idp_data.idp_fraud_event_contraindicators' THEN ARRAY['idp_fraud_events_id', 'contraindicator_code']
        ELSE ARRAY['id'] END;
    INSERT INTO ledger.row_changes (table_name, row_key, day_time)
    SELECT TG_ARGV[0], ledger.row_key(j, key_columns), CASE TG_ARGV[0]
               WHEN 'idp_data.upload_session_validation_failures' THEN (SELECT p.time_stamp
                   FROM idp_data.upload_sessions p WHERE p.id = (j ->> 'upload_session_id')::bigint)
               WHEN 'idp_data.idp_fraud_event_contraindicators' THEN (SELECT p.time_stamp
                   FROM idp_data.idp_fraud_events p WHERE p.id = (j ->> 'idp_fraud_events_id')::bigint)
               ELSE (j ->> 'time_stamp')::timestamp END
      FROM (SELECT to_jsonb(o) FROM old_rows o) x(j)
    ON CONFLICT DO NOTHING;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO ledger.row_changes (table_name, row_key)
        SELECT TG_ARGV[0], ledger.row_key(to_jsonb(n), key_columns) FROM new_rows n
        ON CONFLICT DO NOTHING;
        IF TG_ARGV[0] = 'idp_data.upload_sessions' THEN
            INSERT INTO ledger.row_changes (table_name, row_key, day_time)
            SELECT 'idp_data.upload_session_validation_failures', jsonb_build_array(f.id), o.time_stamp
              FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.time_stamp IS DISTINCT FROM o.time_stamp
              JOIN idp_data.upload_session_validation_failures f ON f.upload_session_id = n.id
            ON CONFLICT DO NOTHING;
        ELSIF TG_ARGV[0] = 'idp_data.idp_fraud_events' THEN
            INSERT INTO ledger.row_changes (table_name, row_key, day_time)
            SELECT 'idp_data.idp_fraud_event_contraindicators',
                   jsonb_build_array(c.idp_fraud_events_id, c.contraindicator_code), o.time_stamp
              FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.time_stamp IS DISTINCT FROM o.time_stamp
              JOIN idp_data.idp_fraud_event_contraindicators c ON c.idp_fraud_events_id = n.id
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
