package uk.gov.ida.eventrecorder.lambda;

import com.zaxxer.hikari.HikariDataSource;
import software.amazon.awssdk.services.sqs.SqsClient;
import uk.gov.ida.eventrecorder.config.CaBundle;
import uk.gov.ida.eventrecorder.config.RecorderConfig;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.crypto.ProducerFormat;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.metrics.MetricsLog;
import uk.gov.ida.eventrecorder.pipeline.EventPipeline;
import uk.gov.ida.eventrecorder.queue.OutageBackoff;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.wiring.Dependencies;
import uk.gov.ida.eventrecorder.wiring.Lazy;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one queue-handler container builds once and reuses across invocations: configuration (read eagerly, so a bad
 * variable fails the cold start), its {@link Dependencies} (clients, pool, data keys, circuits: each built on first
 * use), the pipeline, and the outage back-off.
 */
final class RecorderContainer implements AutoCloseable, Resource {
    private final RecorderConfig config;
    private final Dependencies dependencies;
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
        // Circuits open no longer than the first outage back-off, so a message that waited it out is really tried.
        Duration openFor = config.outageRetryBase().compareTo(Dependencies.CIRCUIT_OPEN) < 0
                ? config.outageRetryBase() : Dependencies.CIRCUIT_OPEN;
        this.dependencies = new Dependencies(config.database(), Optional.of(config.dataKey()), openFor,
                "event-recorder", poolSize);
        this.pipeline = new Lazy<>(() -> new EventPipeline(() -> dependencies.dataKeys().decryptor(),
                new EventParser(), dependencies.eventRepository(), config.logDecryptedEvents()));
        this.backoff = new OutageBackoff(dependencies::sqs, config.outageRetryBase(), config.outageRetryMax());
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
        dependencies.builtDataSource().ifPresent(ds -> ds.getHikariPoolMXBean().softEvictConnections());
    }

    /**
     * After restore: a connection from before the snapshot would be a socket shared by every copy, long dead;
     * evict any (the pool opens fresh ones, with fresh IAM tokens, on demand).
     */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
        dependencies.builtDataSource().ifPresent(ds -> ds.getHikariPoolMXBean().softEvictConnections());
        // The restored copy's own secrets and connection, side by side: the data keys' KMS Decrypt overlaps the
        // database login instead of preceding it inside the first batch, which joins whatever is still running.
        warmUp();
    }

    /**
     * During an on-demand or provisioned init: the first batch's slow steps (the KMS client and the data keys, the
     * first database connection, loading and compiling decryption and parsing) start now, side by side, instead of
     * one after the other inside the first invocation, which joins whatever is still running. A step that fails here
     * fails nothing: the first batch meets the same failure, and its policy, itself.
     */
    void warmUp() {
        start("warm-data-keys", () -> dependencies.dataKeys().decryptor());
        start("warm-database", () -> {
            try (java.sql.Connection ignored = dependencies.dataSource().getConnection()) {
                return null;
            }
        });
        start("warm-pipeline", pipeline::get);
    }

    private static void start(String name, java.util.concurrent.Callable<?> step) {
        Thread thread = new Thread(() -> {
            try {
                step.call();
            } catch (Exception | LinkageError e) {
                // met again, and handled, by the first batch
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    void prime() {
        dependencies.buildClients(config.queueUrl().isPresent());
        primeParsing();
        primeKmsCall();
        primeDriver();
        primeWiring();
        primePool();
    }

    /**
     * Builds the pool, empty (it opens no connection until one is asked for), when building it needs no secret: its
     * construction (the configuration's checks, the driver found through DriverManager, the pool's executors) was
     * otherwise on a restored copy's critical path, before its first connection could even be asked for. Restore to
     * the first batch: 80 against 86 and 81 against 94 ms, alternating in one run each (docs/performance.md, "SnapStart
     * restore"). Not with a KMS-encrypted password, which the pool's login decrypts when it is built: the snapshot
     * would hold it. Not with a CA bundle in S3, which it fetches into /tmp: that stays a restored copy's own.
     */
    private void primePool() {
        if (config.database().encryptedPassword().isPresent()
                || config.database().caBundle().map(CaBundle::inS3).orElse(false)) {
            return;
        }
        try {
            dependencies.dataSource();
        } catch (RuntimeException e) {
            // built after restore instead, where the first batch meets the same failure and its policy
        }
    }

    /**
     * Builds what holds no secret and no connection, which a restored copy's first batch built before (its
     * class-load log: the circuits' Failsafe policies, the repository, the driver's URL parsing and the platform MXBean
     * the driver asks for at login, about 600 classes in all): the circuits, the data keys' holder (no key loaded),
     * the repository (no pool), one pass of the driver's URL parsing, and the pool's reflective copy of its
     * configuration.
     */
    private void primeWiring() {
        try {
            dependencies.circuit().run(() -> null);
            dependencies.dataKeys();
            dependencies.eventRepository();
            org.postgresql.Driver.parseURL(config.database().settings().jdbcUrl(), new java.util.Properties());
            java.lang.management.ManagementFactory.getMemoryMXBean();
            // The pool's constructor copies its configuration field by field through reflection, and the JDK makes a
            // method-handle accessor for each field on first use: about 14 ms of lambda forms inside a restored
            // copy's first login (its class-load log, with the cause). Copying an empty configuration makes them now.
            new com.zaxxer.hikari.HikariConfig().copyStateTo(new com.zaxxer.hikari.HikariConfig());
        } catch (java.sql.SQLException | RuntimeException e) {
            // less primed, nothing broken: the first batch builds what is missing
        }
    }

    /**
     * Runs the KMS client's whole request path once (signing, HTTP, response and error parsing) with a ciphertext
     * that cannot be one: KMS refuses it, nothing secret is fetched, and after restore the real Decrypt of the data
     * keys costs a round trip instead of loading that path.
     */
    private void primeKmsCall() {
        try {
            dependencies.kms().decrypt(r -> r.ciphertextBlob(software.amazon.awssdk.core.SdkBytes.fromByteArray(
                    new byte[]{1, 2, 3, 4, 5, 6, 7, 8})));
        } catch (RuntimeException expected) {
            // refused, as intended (or KMS unreachable at snapshot time: then there is simply less primed)
        }
        // The refusal never builds an answer: the model of a Decrypt that succeeds (its fields' accessors, a dozen
        // lambdas made when the class is initialised) was still built inside a restored copy's first batch.
        software.amazon.awssdk.services.kms.model.DecryptResponse.builder().keyId("priming").build();
    }

    /**
     * Loads the classes that the first statement needs and the rest of what a restored copy's first batch was seen to
     * load ({@link #RESTORE_CLASSES}: the login, the pool, the array binding, KMS's answer to a Decrypt that
     * succeeds), without connecting.
     */
    private static void primeDriver() {
        for (String name : restoreClasses()) {
            try {
                Class.forName(name, true, RecorderContainer.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // a renamed internal class: less primed, nothing broken (RestoreClassesTest says which)
            }
        }
    }

    static final String RESTORE_CLASSES = "/META-INF/event-recorder/restore-classes.txt";

    /** The names in {@link #RESTORE_CLASSES}, without its comments. */
    static List<String> restoreClasses() {
        try (var in = RecorderContainer.class.getResourceAsStream(RESTORE_CLASSES)) {
            if (in == null) {
                return List.of();
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** Loads and compiles decryption and parsing by decrypting a synthetic event under a throwaway key. */
    private static void primeParsing() {
        SecretKeySpec throwaway = new SecretKeySpec(new byte[32], "AES");
        String event = "{\"eventId\":\"priming\",\"timestamp\":0,\"eventType\":\"session_event\","
                + "\"originatingService\":\"priming\",\"sessionId\":\"priming\",\"details\":{"
                + "\"session_event_type\":\"idp_authn_succeeded\",\"pid\":\"p\",\"request_id\":\"r\","
                + "\"idp_entity_id\":\"i\",\"minimum_level_of_assurance\":\"LEVEL_2\","
                + "\"provided_level_of_assurance\":\"LEVEL_2\"}}";
        String body = ProducerFormat.encrypt(throwaway, new byte[16], event);
        for (int i = 0; i < 200; i++) {
            new EventParser().parse(new EventDecryptor(throwaway).decrypt(body));
        }
    }

    RecorderConfig config() {
        return config;
    }

    Dependencies dependencies() {
        return dependencies;
    }

    EventPipeline pipeline() {
        return pipeline.get();
    }

    SqsClient sqs() {
        return dependencies.sqs();
    }

    /** The repository if the container has built it (tests count the statements it sent). */
    Optional<EventRepository> builtRepository() {
        return dependencies.builtRepository();
    }

    OutageBackoff backoff() {
        return backoff;
    }

    /** See {@link Dependencies#refusingWork()}. */
    String refusingWork() {
        return dependencies.refusingWork();
    }

    boolean databaseCircuitOpen() {
        return dependencies.databaseCircuitOpen();
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
            return dependencies.sqs().getQueueUrl(r -> r.queueName(parts[5]).queueOwnerAWSAccountId(parts[4]))
                    .queueUrl();
        });
    }

    HikariDataSource dataSource() {
        return dependencies.dataSource();
    }

    /** The pool if the container has built it (tests of the snapshot hooks). */
    Optional<HikariDataSource> builtDataSource() {
        return dependencies.builtDataSource();
    }

    MetricsLog metrics(String function) {
        return new MetricsLog(config.metricsNamespace(), function);
    }

    /** Lambda never calls this (a container just ends); local runs and tests do, to release connections. */
    @Override
    public void close() {
        dependencies.close();
    }
}
