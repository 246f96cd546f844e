package uk.gov.ida.eventrecorder.config;

/**
 * Every environment variable the recorder reads, in one place: configuration code reads only these, and tests
 * check that the SAM template declares them and docs/configuration.md documents them.
 */
public enum Variable {
    DB_CONNECTION_STRING("libpq keyword/value string or postgresql:// URI of the database"),
    DB_USER("the database role this function logs in as, instead of DB_CONNECTION_STRING's user: each function "
            + "its own role, with only the privileges it uses"),
    DB_CA_BUNDLE("the CA certificates the database's certificate must chain to: a file (e.g. /var/task/rds-ca.pem) "
            + "or s3://bucket/key; with one, TLS is verify-full unless DB_CONNECTION_STRING sets sslmode"),
    ENCRYPTED_DATABASE_PASSWORD("base64 KMS ciphertext of the database password; without it (and without a "
            + "password in DB_CONNECTION_STRING) the recorder logs in with an RDS IAM token over SSL"),
    ENCRYPTION_KEY("base64 KMS ciphertext of the AES data key producers encrypt events with"),
    KMS_ENCRYPTION_CONTEXT("true: decrypt each KMS ciphertext with the encryption context event-recorder:purpose "
            + "naming what it is for (data-key, database-password, owner-database-password)"),
    DECRYPTION_KEY_BUCKET_NAME("S3 bucket of an object holding that ciphertext (instead of ENCRYPTION_KEY)"),
    DECRYPTION_KEY_FILE_NAME("key of that S3 object"),
    QUEUE_URL("the queue the drain handler empties"),
    LOG_DECRYPTED_EVENTS("true: also print each decrypted event alone on one line, for SIEM ingestion"),
    DRAIN_CONCURRENCY("receive loops the drain handler runs at once against one queue (a FIFO queue: always one)"),
    DRAIN_SAFETY_MARGIN_MS("the drain handler takes no new batch with less Lambda time left than this"),
    DB_CONNECT_TIMEOUT_MS("how long to wait for a database connection"),
    DB_STATEMENT_TIMEOUT_MS("a batch statement running longer is cancelled and fails the batch as a database failure"),
    OUTAGE_RETRY_BASE_SECONDS("visibility timeout after a message's first failure for a database reason; doubled on "
            + "each further receive. Also the longest the database circuit stays open"),
    OUTAGE_RETRY_MAX_SECONDS("the longest visibility timeout an outage back-off sets (SQS allows 43200)"),
    METRICS_NAMESPACE("CloudWatch namespace of the Embedded Metric Format lines"),
    FRAUD_UPLOAD_MAX_BYTES("the largest IDP fraud-data upload accepted; a larger file is refused with a validation failure"),
    EXPORT_BUCKET("the export function's bucket: Parquet (and CSV) of each settled day, and the signed manifests"),
    EXPORT_PREFIX("a folder in that bucket for everything the export writes (default: the bucket's root)"),
    EXPORT_SIGNING_KEY_ID("the KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) that signs the export's manifests"),
    EXPORT_SETTLE_HOURS("hours after a UTC day's end before the export writes it (default 2): events still arriving "
            + "for it meanwhile"),
    EXPORT_FORMATS("parquet (default) or parquet,csv: the formats of the export's objects"),
    EXPORT_START_DATE("YYYY-MM-DD: the export writes no day before it (default: each table's first row)"),
    LEDGER_INTERVAL("seconds between the ledger's scheduled checkpoint runs (default 60): a run warns when rows waited "
            + "more than two of them for a checkpoint (the schedule stalled)"),
    AWS_REGION("region for signing RDS IAM tokens; set by Lambda itself", true),
    AWS_LAMBDA_LOG_LEVEL("the lowest level logged; Lambda sets it from the function's application log level", true),
    AWS_LAMBDA_INITIALIZATION_TYPE("on-demand, provisioned-concurrency or snap-start: how Lambda initialised this "
            + "environment; on-demand and provisioned start the data keys and the first connection during init", true),
    AWS_LAMBDA_MAX_CONCURRENCY("invocations Lambda runs at once in one execution environment (Managed Instances); "
            + "absent: one", true);

    private final String meaning;
    private final boolean setByLambda;

    Variable(String meaning) {
        this(meaning, false);
    }

    Variable(String meaning, boolean setByLambda) {
        this.meaning = meaning;
        this.setByLambda = setByLambda;
    }

    public String meaning() {
        return meaning;
    }

    /** Lambda sets it (a reserved variable): a template must not declare it. */
    public boolean setByLambda() {
        return setByLambda;
    }
}
