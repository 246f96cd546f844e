-- Tables for the IDP fraud-data upload path (CSV files uploaded to S3 by identity providers).
CREATE TABLE idp_data.upload_sessions (
    id                bigserial PRIMARY KEY,
    time_stamp        timestamp NOT NULL,
    source_file_name  text      NOT NULL,
    idp_entity_id     text      NOT NULL,
    userid            text      NOT NULL,
    passed_validation boolean   NOT NULL
);

CREATE TABLE idp_data.upload_session_validation_failures (
    id                bigserial PRIMARY KEY,
    upload_session_id bigint    NOT NULL REFERENCES idp_data.upload_sessions (id),
    row               bigint    NOT NULL,
    field             text      NOT NULL,
    message           text      NOT NULL
);
CREATE INDEX upload_session_validation_failures_session_idx
    ON idp_data.upload_session_validation_failures (upload_session_id);

CREATE TABLE idp_data.idp_fraud_events (
    id                bigserial PRIMARY KEY,
    idp_entity_id     text      NOT NULL,
    idp_event_id      text      NOT NULL,
    time_stamp        timestamp NOT NULL,
    fid_code          text      NOT NULL,
    request_id        text      NOT NULL,
    pid               text      NOT NULL,
    client_ip_address text      NOT NULL,
    contra_score      int       NOT NULL,
    upload_session_id bigint    NOT NULL REFERENCES idp_data.upload_sessions (id)
);
CREATE INDEX idp_fraud_events_upload_session_idx ON idp_data.idp_fraud_events (upload_session_id);

CREATE TABLE idp_data.idp_fraud_event_contraindicators (
    idp_fraud_events_id  bigint NOT NULL REFERENCES idp_data.idp_fraud_events (id),
    contraindicator_code text   NOT NULL,
    count                int    NOT NULL DEFAULT 1,
    PRIMARY KEY (idp_fraud_events_id, contraindicator_code)
);
