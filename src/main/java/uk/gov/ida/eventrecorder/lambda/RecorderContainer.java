package uk.gov.ida.eventrecorder.lambda;

import com.zaxxer.hikari.HikariDataSource;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.crypto.DataKeySource;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.crypto.KmsSecrets;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.pipeline.EventPipeline;
import uk.gov.ida.eventrecorder.store.DatabaseLogin;
import uk.gov.ida.eventrecorder.store.EventRepository;

import java.util.function.Supplier;

/**
 * What one Lambda container builds once and reuses across invocations: configuration (read eagerly, so a bad
 * variable fails the cold start), and AWS clients, the data key, the pool and the pipeline (each built on first
 * use, so a path that does not need a client never pays for it).
 */
final class RecorderContainer implements AutoCloseable {
    private final RecorderConfig config;
    private final Lazy<KmsClient> kms;
    private final Lazy<S3Client> s3;
    private final Lazy<SqsClient> sqs;
    private final Lazy<HikariDataSource> dataSource;
    private final Lazy<EventPipeline> pipeline;

    RecorderContainer(RecorderConfig config) {
        this.config = config;
        this.kms = new Lazy<>(() -> KmsClient.builder().httpClient(httpClient()).applyMutation(b ->
                config.database().region().map(Region::of).ifPresent(b::region)).build());
        this.s3 = new Lazy<>(() -> S3Client.builder().httpClient(httpClient()).applyMutation(b ->
                config.database().region().map(Region::of).ifPresent(b::region)).build());
        this.sqs = new Lazy<>(() -> SqsClient.builder().httpClient(httpClient()).applyMutation(b ->
                config.database().region().map(Region::of).ifPresent(b::region)).build());
        this.dataSource = new Lazy<>(() -> DatabaseLogin.open(config.database(), this::kmsSecrets, "event-recorder"));
        this.pipeline = new Lazy<>(() -> new EventPipeline(
                new EventDecryptor(new DataKeySource(kmsSecrets(), s3).load(config.dataKey())),
                new EventParser(),
                new EventRepository(dataSource.get()),
                config.logDecryptedEvents() ? System.out::println : null));
    }

    RecorderConfig config() {
        return config;
    }

    EventPipeline pipeline() {
        return pipeline.get();
    }

    SqsClient sqs() {
        return sqs.get();
    }

    S3Client s3() {
        return s3.get();
    }

    HikariDataSource dataSource() {
        return dataSource.get();
    }

    MetricsLog metrics(String function) {
        return new MetricsLog(config.metricsNamespace(), function, System.out);
    }

    private KmsSecrets kmsSecrets() {
        return new KmsSecrets(kms.get());
    }

    /**
     * The URL-connection client: pure Java, no extra threads, and the smallest class path of the SDK's clients
     * (Apache and Netty are excluded from the build).
     */
    private static software.amazon.awssdk.http.SdkHttpClient httpClient() {
        return UrlConnectionHttpClient.builder().build();
    }

    /** Lambda never calls this (a container just ends); local runs and tests do, to release connections. */
    @Override
    public void close() {
        dataSource.ifBuilt(HikariDataSource::close);
        kms.ifBuilt(KmsClient::close);
        s3.ifBuilt(S3Client::close);
        sqs.ifBuilt(SqsClient::close);
    }

    /** Thread-safe memoisation of a value built on first use. */
    static final class Lazy<T> implements Supplier<T> {
        private Supplier<T> factory;
        private volatile T value;

        Lazy(Supplier<T> factory) {
            this.factory = factory;
        }

        @Override
        public T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        v = factory.get();
                        value = v;
                        factory = null;
                    }
                }
            }
            return v;
        }

        void ifBuilt(java.util.function.Consumer<T> action) {
            T v = value;
            if (v != null) {
                action.accept(v);
            }
        }
    }
}
