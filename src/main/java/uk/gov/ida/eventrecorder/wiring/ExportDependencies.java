package uk.gov.ida.eventrecorder.wiring;

import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.config.ExportConfig;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.Exporter;

import java.util.Optional;

/**
 * The export's wiring, shared by its function and the operator's {@code export} command: the one connection (as the
 * read-only export role), S3 and the signing key. Packaged only in {@code event-recorder-export.jar}.
 */
public final class ExportDependencies implements AutoCloseable {
    private final ExportConfig config;
    private final Dependencies dependencies;
    private final Optional<S3Client> s3;
    private final Optional<KmsClient> kms;
    private final Lazy<S3Client> largeObjects;

    /**
     * @param s3  a client to use instead of the SDK's default one (tests: moto's S3, while the JVM's endpoint
     *            settings point at S3Mock)
     * @param kms likewise, for KMS
     */
    public ExportDependencies(ExportConfig config, Optional<S3Client> s3, Optional<KmsClient> kms) {
        this.config = config;
        this.dependencies = new Dependencies(config.database(), Optional.empty(), Dependencies.CIRCUIT_OPEN,
                "event-recorder-export", 1);
        this.s3 = s3;
        this.kms = kms;
        this.largeObjects = new Lazy<>(new AwsClients(config.database().aws())::s3ForLargeObjects);
    }

    public ExportConfig config() {
        return config;
    }

    public Exporter exporter() {
        return new Exporter(s3.orElseGet(largeObjects::get),
                new ManifestSigner(kms.orElseGet(dependencies::kms), config.signingKeyId()),
                dependencies.dataSource(), new Exporter.Settings(config.bucket(), new ExportLayout(config.prefix()),
                config.settle(), config.csv(), config.startDate(), ExportedTable.ALL));
    }

    @Override
    public void close() {
        largeObjects.ifBuilt(S3Client::close);
        dependencies.close();
    }
}
