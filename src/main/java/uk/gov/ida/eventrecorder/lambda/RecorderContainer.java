package uk.gov.ida.eventrecorder.lambda;

import com.zaxxer.hikari.HikariDataSource;
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
import uk.gov.ida.eventrecorder.queue.OutageBackoff;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.store.DatabaseLogin;
import uk.gov.ida.eventrecorder.store.EventRepository;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import uk.gov.ida.eventrecorder.config.KeyLocation;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What one Lambda container builds once and reuses across invocations: configuration (read eagerly, so a bad
 * variable fails the cold start), and AWS clients, the data key, the pool and the pipeline (each built on first
 * use, so a path that does not need a client never pays for it).
 */
final class RecorderContainer implements AutoCloseable, Resource {
    /** How long batches fail at once after a database failure before one probes (shorter if the back-off is). */
    private static final Duration CIRCUIT_OPEN = Duration.ofSeconds(30);
    private final RecorderConfig config;
    private final Lazy<KmsClient> kms;
    private final Lazy<S3Client> s3;
    private final Lazy<SqsClient> sqs;
    private final Lazy<HikariDataSource> dataSource;
    private final Lazy<DatabaseCircuit> circuit;
    private final Lazy<EventRepository> repository;
    private final Lazy<EventPipeline> pipeline;
    private final OutageBackoff backoff;
    private final Map<String, String> queueUrls = new ConcurrentHashMap<>();

    /**
     * @param poolSize database connections: one for the event-source handler (one batch at a time); the drain's
     *                 loops each get one, so that none waits out the connect timeout behind a slow statement and
     *                 counts it as an outage
     */
    RecorderContainer(RecorderConfig config, int poolSize) {
        this.config = config;
        AwsClients clients = new AwsClients(config.database().region());
        this.kms = new Lazy<>(clients::kms);
        this.s3 = new Lazy<>(clients::s3);
        this.sqs = new Lazy<>(clients::sqs);
        this.dataSource = new Lazy<>(() -> DatabaseLogin.open(config.database(), this::kmsSecrets, "event-recorder",
                poolSize));
        // Open no longer than the first outage back-off, so a message that waited out its back-off is really tried.
        this.circuit = new Lazy<>(() -> new DatabaseCircuit(
                config.outageRetryBase().compareTo(CIRCUIT_OPEN) < 0 ? config.outageRetryBase() : CIRCUIT_OPEN));
        this.repository = new Lazy<>(() -> new EventRepository(dataSource.get(), circuit.get(),
                config.database().statementTimeout()));
        this.pipeline = new Lazy<>(() -> new EventPipeline(
                new EventDecryptor(new DataKeySource(kmsSecrets(), s3).load(config.dataKey())),
                new EventParser(),
                repository.get(),
                config.logDecryptedEvents()));
        this.backoff = new OutageBackoff(sqs, config.outageRetryBase(), config.outageRetryMax());
        // SnapStart: Lambda calls the org.crac hooks around the snapshot of this initialised container. The container
        // is held by its handler for the container's life, so the registration stays reachable.
        Core.getGlobalContext().register(this);
    }

    /**
     * Before the snapshot: build what is the same in every restored copy and costly to build on the first
     * invocation (the AWS clients this configuration will use; the classes of decryption and JSON parsing,
     * loaded and compiled by decrypting a synthetic event under a throwaway key). No secret is fetched, and no
     * database connection is opened or kept: those are per-copy and made after restore.
     */
    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
        dataSource.ifBuilt(ds -> ds.getHikariPoolMXBean().softEvictConnections());
    }

    /**
     * After restore: a connection from before the snapshot would be a socket shared by every copy, long dead;
     * evict any (the pool opens fresh ones, with fresh IAM tokens, on demand).
     */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
        dataSource.ifBuilt(ds -> ds.getHikariPoolMXBean().softEvictConnections());
    }

    void prime() {
        kms.get();
        if (config.dataKey() instanceof KeyLocation.InS3Object) {
            s3.get();
        }
        if (config.queueUrl().isPresent()) {
            sqs.get();
        }
        try {
            byte[] key = new byte[32];
            byte[] iv = new byte[16];
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            SecretKeySpec throwaway = new SecretKeySpec(key, "AES");
            cipher.init(Cipher.ENCRYPT_MODE, throwaway, new IvParameterSpec(iv));
            String event = "{\"eventId\":\"priming\",\"timestamp\":0,\"eventType\":\"session_event\","
                    + "\"originatingService\":\"priming\",\"sessionId\":\"priming\",\"details\":{"
                    + "\"session_event_type\":\"idp_authn_succeeded\",\"pid\":\"p\",\"request_id\":\"r\","
                    + "\"idp_entity_id\":\"i\",\"minimum_level_of_assurance\":\"LEVEL_2\","
                    + "\"provided_level_of_assurance\":\"LEVEL_2\"}}";
            byte[] ciphertext = cipher.doFinal(event.getBytes(StandardCharsets.UTF_8));
            byte[] body = new byte[iv.length + ciphertext.length];
            System.arraycopy(ciphertext, 0, body, iv.length, ciphertext.length);
            for (int i = 0; i < 200; i++) {
                new EventParser().parse(new EventDecryptor(throwaway).decrypt(Base64.getEncoder().encodeToString(body)));
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("priming failed", e);
        }
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

    /** The repository if the container has built it (tests count the statements it sent). */
    java.util.Optional<EventRepository> builtRepository() {
        return java.util.Optional.ofNullable(repository.ifBuiltOrNull());
    }

    OutageBackoff backoff() {
        return backoff;
    }

    /** False while the database circuit is open (a batch would fail without an attempt). */
    boolean databaseAcceptingWork() {
        DatabaseCircuit built = circuit.ifBuiltOrNull();
        return built == null || !built.isOpen();
    }

    /**
     * The URL of the queue an SQS event came from: looked up once per queue with GetQueueUrl, which goes to the
     * endpoint the SDK's own settings name (so a LocalStack or ElasticMQ queue resolves like a real one).
     */
    String queueUrl(String eventSourceArn) {
        return queueUrls.computeIfAbsent(eventSourceArn, arn -> {
            String[] parts = arn.split(":", 6); // arn:aws:sqs:region:account:name
            if (parts.length != 6) {
                throw new IllegalArgumentException("not an SQS queue ARN: " + arn);
            }
            return sqs.get().getQueueUrl(r -> r.queueName(parts[5]).queueOwnerAWSAccountId(parts[4])).queueUrl();
        });
    }

    S3Client s3() {
        return s3.get();
    }

    HikariDataSource dataSource() {
        return dataSource.get();
    }

    /** The pool if the container has built it (tests of the snapshot hooks). */
    java.util.Optional<HikariDataSource> builtDataSource() {
        return java.util.Optional.ofNullable(dataSource.ifBuiltOrNull());
    }

    MetricsLog metrics(String function) {
        return new MetricsLog(config.metricsNamespace(), function, System.out);
    }

    private KmsSecrets kmsSecrets() {
        return new KmsSecrets(kms.get());
    }

    /** Lambda never calls this (a container just ends); local runs and tests do, to release connections. */
    @Override
    public void close() {
        dataSource.ifBuilt(HikariDataSource::close);
        kms.ifBuilt(KmsClient::close);
        s3.ifBuilt(S3Client::close);
        sqs.ifBuilt(SqsClient::close);
    }
}
