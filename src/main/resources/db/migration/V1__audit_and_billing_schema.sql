-- The schema as the replaced service left it: names are fixed because reports and other services read these tables.
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS billing;
CREATE SCHEMA IF NOT EXISTS idp_data;

CREATE TABLE audit.audit_events (
    event_id            text      NOT NULL,
    time_stamp          timestamp NOT NULL,
    originating_service text      NOT NULL,
    session_id          text,
    event_type          text      NOT NULL,
    details             jsonb,
    PRIMARY KEY (event_id, time_stamp)
);
CREATE INDEX audit_events_time_stamp_idx ON audit.audit_events (time_stamp);
CREATE INDEX audit_events_event_id_idx   ON audit.audit_events (event_id);
CREATE INDEX audit_events_session_id_idx ON audit.audit_events (session_id);

CREATE TABLE billing.billing_events (
    time_stamp                   timestamp NOT NULL,
    session_id                   text      NOT NULL,
    hashed_persistent_id         text      NOT NULL,
    request_id                   text      NOT NULL,
    idp_entity_id                text      NOT NULL,
    minimum_level_of_assurance   text      NOT NULL,
    provided_level_of_assurance  text      NOT NULL,
    preferred_level_of_assurance text,
    event_id                     text      PRIMARY KEY,
    transaction_entity_id        text
);
CREATE INDEX billing_events_time_stamp_idx            ON billing.billing_events (time_stamp);
CREATE INDEX billing_events_session_id_idx            ON billing.billing_events (session_id);
CREATE INDEX billing_events_hashed_persistent_id_idx  ON billing.billing_events (hashed_persistent_id);
CREATE INDEX billing_events_provided_loa_idx          ON billing.billing_events (provided_level_of_assurance);
CREATE INDEX billing_events_pid_time_stamp_idx        ON billing.billing_events (hashed_persistent_id, time_stamp);

CREATE TABLE billing.billing_status (
    event_id       text PRIMARY KEY REFERENCES billing.billing_events (event_id) ON UPDATE CASCADE,
    billing_status text NOT NULL
);

CREATE TABLE billing.fraud_events (
    event_id              text      PRIMARY KEY,
    time_stamp            timestamp NOT NULL,
    session_id            text      NOT NULL,
    hashed_persistent_id  text      NOT NULL,
    request_id            text,
    entity_id             text      NOT NULL,
    fraud_event_id        text      NOT NULL,
    fraud_indicator       text      NOT NULL,
    transaction_entity_id text      NOT NULL
);
CREATE INDEX fraud_events_time_stamp_idx           ON billing.fraud_events (time_stamp);
CREATE INDEX fraud_events_session_id_idx           ON billing.fraud_events (session_id);
CREATE INDEX fraud_events_hashed_persistent_id_idx ON billing.fraud_events (hashed_persistent_id);
