-- audit_events_event_id_idx repeats the leading column of the primary key (event_id, time_stamp), which serves every
-- lookup by event_id as well. It cost a random-key index page per insert, and after each checkpoint a full page image
-- in the WAL (README, "Years of data"). CONCURRENTLY, so inserts carry on while it goes: hence no transaction
-- (V3__drop_audit_event_id_index.sql.conf).
DROP INDEX CONCURRENTLY IF EXISTS audit.audit_events_event_id_idx;
