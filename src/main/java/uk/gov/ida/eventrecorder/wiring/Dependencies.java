package uk.gov.ida.eventrecorder.wiring;

import com.zaxxer.hikari.HikariDataSource;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.config.ConfigurationException;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.config.KeyLocation;
import uk.gov.ida.eventrecorder.crypto.DataKeySource;
import uk.gov.ida.eventrecorder.crypto.DataKeys;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.DatabaseLogin;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;
import uk.gov.ida.eventrecorder.store.EventRepository;

import java.time.Duration;
import java.util.Optional;

/**
 * The one wiring of what a container (or an operator command) depends on: the AWS clients, the database pool and
 * its circuit, and the data keys and their circuit. Every entry point builds its dependencies here, each on first
 * use, so a path that never needs a client never pays for it, and every entry point meets a failing dependency
 * through the same circuit and the same exception ({@link uk.gov.ida.eventrecorder.FailureClass}).
 */
public final class Dependencies implements AutoCloseable {
    /** How long batches fail at once after a dependency failure before one tries again (at most). */
    public static final Duration CIRCUIT_OPEN = Duration.ofSeconds(30);

    private final DatabaseConfig database;
    private final Optional<KeyLocation> dataKey;
    private final Lazy<KmsClient> kms;
    private final Lazy<S3Client> s3;
    private final Lazy<SqsClient> sqs;
    private final Lazy<HikariDataSource> dataSource;
    private final Lazy<DatabaseCircuit> circuit;
    private final Lazy<EventRepository> repository;
    private final Lazy<DataKeys> dataKeys;

    /**
     * @param dataKey     where the data keys are, for the entry points that decrypt queue messages
     * @param circuitOpen how long the database's and the data keys' circuits stay open after a failure
     * @param poolSize    database connections at most: what the entry point uses at once
     */
    public Dependencies(DatabaseConfig database, Optional<KeyLocation> dataKey, Duration circuitOpen, String poolName,
                        int poolSize) {
        this.database = database;
        this.dataKey = dataKey;
        AwsClients clients = new AwsClients(database.aws());
        this.kms = new Lazy<>(clients::kms);
        this.s3 = new Lazy<>(clients::s3);
        this.sqs = new Lazy<>(clients::sqs);
        this.dataSource = new Lazy<>(() -> DatabaseLogin.open(database, this::kmsSecrets, s3, poolName, poolSize),
                () -> new DatabaseUnavailableException("the pool is still being opened by the container's start-up "
                        + "(its password, CA bundle or first login); not waited for past the invocation's time", null));
        this.circuit = new Lazy<>(() -> new DatabaseCircuit(circuitOpen));
        // The pool is opened by the repository's first statement, behind the circuit: a KMS-encrypted password that
        // cannot be decrypted fails batches as a database failure (backed off), not the handler.
        this.repository = new Lazy<>(() -> new EventRepository(dataSource, circuit.get(),
                database.statementTimeout(), database.connectTimeout(), database.timesStatementsBySession()));
        this.dataKeys = new Lazy<>(() -> new DataKeys(() -> new DataKeySource(kmsSecrets(), s3)
                .load(dataKey.orElseThrow(() -> new ConfigurationException("ENCRYPTION_KEY",
                        "is required to decrypt queue messages"))), circuitOpen));
    }

    public DatabaseConfig database() {
        return database;
    }

    public Optional<KeyLocation> dataKeyLocation() {
        return dataKey;
    }

    public KmsClient kms() {
        return kms.get();
    }

    public S3Client s3() {
        return s3.get();
    }

    public SqsClient sqs() {
        return sqs.get();
    }

    public HikariDataSource dataSource() {
        return dataSource.get();
    }

    public DatabaseCircuit circuit() {
        return circuit.get();
    }

    /** The event repository, behind the database circuit; one per container. */
    public EventRepository eventRepository() {
        return repository.get();
    }

    /** The data keys, loaded on first use, behind their own circuit. */
    public DataKeys dataKeys() {
        return dataKeys.get();
    }

    public KmsSecrets kmsSecrets() {
        return new KmsSecrets(kms.get(), database.kmsEncryptionContext());
    }

    /**
     * Why work taken now would fail without an attempt, while the database's or the data keys' circuit is open
     * ({@code database unavailable}, {@code key unavailable}); null when the container accepts work.
     */
    public String refusingWork() {
        if (databaseCircuitOpen()) {
            return RejectionReason.DATABASE_UNAVAILABLE.label();
        }
        DataKeys keys = dataKeys.ifBuiltOrNull();
        return keys != null && keys.isOpen() ? RejectionReason.KEY_UNAVAILABLE.label() : null;
    }

    /** True while the database circuit is open (the {@code DatabaseCircuitOpen} metric). */
    public boolean databaseCircuitOpen() {
        DatabaseCircuit built = circuit.ifBuiltOrNull();
        return built != null && built.isOpen();
    }

    /** Builds the clients this configuration will use (SnapStart's snapshot, before any secret is fetched). */
    public void buildClients(boolean queue) {
        kms.get();
        if (dataKey.orElse(null) instanceof KeyLocation.InS3Object) {
            s3.get();
        }
        if (queue) {
            sqs.get();
        }
    }

    /** The pool if it has been built (the snapshot hooks and tests). */
    public Optional<HikariDataSource> builtDataSource() {
        return Optional.ofNullable(dataSource.ifBuiltOrNull());
    }

    /** The repository if it has been built (tests count the statements it sent). */
    public Optional<EventRepository> builtRepository() {
        return Optional.ofNullable(repository.ifBuiltOrNull());
    }

    /** Lambda never calls this (a container just ends); local runs, commands and tests do, to release connections. */
    @Override
    public void close() {
        dataSource.ifBuilt(HikariDataSource::close);
        kms.ifBuilt(KmsClient::close);
        s3.ifBuilt(S3Client::close);
        sqs.ifBuilt(SqsClient::close);
    }
}
