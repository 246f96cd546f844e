-- billing_events_hashed_persistent_id_idx is a prefix of billing_events_pid_time_stamp_idx (hashed_persistent_id,
-- time_stamp), which serves every lookup by persistent id alone as well. It cost a random-key page per billing row and
-- its full-page images in the WAL (README, "Years of data", measured by build/benchmark.sh --growth). The other
-- billing indexes stay: the primary key (event_id) is what billing.billing_status references and what makes a
-- redelivery a duplicate; time_stamp and provided_level_of_assurance take new rows at few, hot pages; session_id is
-- how reports join billing to the audit trail. CONCURRENTLY, so no transaction (the .conf file).
DROP INDEX CONCURRENTLY IF EXISTS billing.billing_events_hashed_persistent_id_idx;
