package uk.gov.ida.eventrecorder.wiring;

import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.config.LedgerConfig;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.ledger.Checkpointer;

import java.time.Clock;
import java.util.Optional;

/**
 * The ledger's wiring, shared by its function and the operator's {@code ledger checkpoint} command: two connections
 * as the ledger's role (one holds the run's advisory lock, the other does its work), S3 and the export's signing key,
 * each built once per container. Packaged only in {@code event-recorder-export.jar}: the run reads rows as the export
 * does.
 */
public final class LedgerDependencies implements AutoCloseable {
    private final LedgerConfig config;
    private final Dependencies dependencies;
    private final Optional<S3Client> s3;
    private final Optional<KmsClient> kms;
    private final Clock clock;
    private final Lazy<Checkpointer> checkpointer;

    /**
     * @param s3  a client to use instead of the SDK's default one (tests: moto's S3, while the JVM's endpoint
     *            settings point at S3Mock)
     * @param kms likewise, for KMS
     */
    public LedgerDependencies(LedgerConfig config, Optional<S3Client> s3, Optional<KmsClient> kms, Clock clock) {
        this.config = config;
        this.dependencies = new Dependencies(config.database(), Optional.empty(), Dependencies.CIRCUIT_OPEN,
                "event-recorder-ledger", 2);
        this.s3 = s3;
        this.kms = kms;
        this.clock = clock;
        this.checkpointer = new Lazy<>(() -> new Checkpointer(dependencies.dataSource(),
                this.s3.orElseGet(dependencies::s3),
                new ManifestSigner(this.kms.orElseGet(dependencies::kms), config.signingKeyId()),
                new Checkpointer.Settings(config.bucket(), config.prefix(), config.interval()), clock));
    }

    public LedgerConfig config() {
        return config;
    }

    /** The one checkpoint run of this container, built on first use. */
    public Checkpointer checkpointer() {
        return checkpointer.get();
    }

    @Override
    public void close() {
        dependencies.close();
    }
}
