-- S3 delivers each notification at least once, and Lambda retries an import that failed or timed out: the same
-- uploaded object can reach two containers at once. Each upload session now names the object it reads (bucket, key,
-- and version id or ETag), unique, so a second import of the same object finds the first's session instead of
-- storing the file again; finished_at says the session's outcome (passed or its failures) is stored. Both columns
-- are NULL on sessions from before this migration. Adding nullable columns rewrites nothing.
SET LOCAL lock_timeout = '10s';
ALTER TABLE idp_data.upload_sessions ADD COLUMN source_object text, ADD COLUMN finished_at timestamp;
CREATE UNIQUE INDEX upload_sessions_source_object_key ON idp_data.upload_sessions (source_object);
