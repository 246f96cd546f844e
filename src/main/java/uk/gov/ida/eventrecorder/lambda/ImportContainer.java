package uk.gov.ida.eventrecorder.lambda;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import com.zaxxer.hikari.HikariDataSource;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.config.ImportConfig;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.DatabaseLogin;
import uk.gov.ida.eventrecorder.store.EventRepository;

import java.time.Duration;

import java.util.ArrayList;
import java.util.List;

/** Per-container wiring of the S3-triggered import handlers: S3, the pool, and KMS only for a KMS password. */
final class ImportContainer implements AutoCloseable {
    private final ImportConfig config;
    private final Lazy<KmsClient> kms;
    private final Lazy<S3Client> s3;
    private final Lazy<HikariDataSource> dataSource;
    private final Lazy<DatabaseCircuit> circuit;
    // An import is retried by S3's own redelivery, not by a queue back-off: a short open period suffices.
    private static final Duration IMPORT_CIRCUIT_OPEN = Duration.ofSeconds(5);

    ImportContainer(ImportConfig config, String poolName) {
        this.config = config;
        AwsClients clients = new AwsClients(config.database().region());
        this.kms = new Lazy<>(clients::kms);
        this.s3 = new Lazy<>(clients::s3);
        this.dataSource = new Lazy<>(() -> DatabaseLogin.open(config.database(), () -> new KmsSecrets(kms.get()),
                poolName, 1));
        this.circuit = new Lazy<>(() -> new DatabaseCircuit(IMPORT_CIRCUIT_OPEN));
    }

    ImportConfig config() {
        return config;
    }

    S3Client s3() {
        return s3.get();
    }

    HikariDataSource dataSource() {
        return dataSource.get();
    }

    /** The repository the archive replay records through, behind this container's database circuit. */
    EventRepository eventRepository() {
        return new EventRepository(dataSource.get(), circuit.get(), config.database().statementTimeout());
    }

    /** An object an S3 notification names; the key URL-decoded, as S3 encodes it in notifications. */
    record S3Object(String bucket, String key) {
    }

    static List<S3Object> objects(S3Event event) {
        List<S3Object> objects = new ArrayList<>();
        if (event == null || event.getRecords() == null) {
            return objects;
        }
        for (S3EventNotification.S3EventNotificationRecord record : event.getRecords()) {
            objects.add(new S3Object(record.getS3().getBucket().getName(), record.getS3().getObject().getUrlDecodedKey()));
        }
        return objects;
    }

    @Override
    public void close() {
        dataSource.ifBuilt(HikariDataSource::close);
        s3.ifBuilt(S3Client::close);
        kms.ifBuilt(KmsClient::close);
    }
}
