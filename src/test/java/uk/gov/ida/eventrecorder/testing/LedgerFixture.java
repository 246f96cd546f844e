package uk.gov.ida.eventrecorder.testing;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.SignRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.ledger.CheckpointObject;
import uk.gov.ida.eventrecorder.ledger.Checkpointer;
import uk.gov.ida.eventrecorder.ledger.LeafEntry;
import uk.gov.ida.eventrecorder.ledger.LedgerLayout;
import uk.gov.ida.eventrecorder.ledger.LedgerReport;
import uk.gov.ida.eventrecorder.ledger.MerkleTree;
import uk.gov.ida.eventrecorder.ledger.TreeBuilder;

import javax.sql.DataSource;
import java.net.URI;
import java.security.PublicKey;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The ledger's test bed: the test database (emptied, ledger and all), moto's S3 with a new Object Lock bucket and
 * moto's KMS with a new signing key, clients that count the conditional PUTs and the Sign calls (and can be made to
 * fail at a chosen call, the test says where), and a clock the test moves.
 */
public final class LedgerFixture {
    public final TestDatabase db = TestDatabase.get();
    public final Moto moto = Moto.get();
    public final Tables tables = new Tables(db.dataSource());
    public final S3Client s3;
    public final KmsClient kms;
    public final String bucket;
    public final String keyId;
    public final String prefix = "events/";
    public final MovableClock clock = new MovableClock(Instant.parse("2026-12-07T04:00:00Z"));
    public final AtomicInteger puts = new AtomicInteger();
    public final AtomicInteger signs = new AtomicInteger();
    /** Faults the test injects, each seeing every request before (true) and after (false) it is sent. */
    public final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final EventParser parser = new EventParser();

    /** A fault at the client's edge: thrown before a request goes out, or after its answer came back. */
    public interface Fault {
        void at(SdkRequest request, boolean before);
    }

    public LedgerFixture() {
        db.truncateAll();
        ExecutionInterceptor counting = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                faults.forEach(f -> f.at(context.request(), true));
            }

            @Override
            public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof PutObjectRequest put && put.ifNoneMatch() != null) {
                    puts.incrementAndGet();
                }
                if (context.request() instanceof SignRequest) {
                    signs.incrementAndGet();
                }
                faults.forEach(f -> f.at(context.request(), false));
            }
        };
        ClientOverrideConfiguration override = ClientOverrideConfiguration.builder().addExecutionInterceptor(counting)
                .build();
        s3 = moto.s3(override);
        kms = kms(moto.endpoint(), override);
        bucket = moto.lockedBucket(s3, 1);
        keyId = moto.signingKey(kms);
    }

    public static KmsClient kms(URI endpoint, ClientOverrideConfiguration override) {
        return KmsClient.builder().endpointOverride(endpoint).region(Region.EU_WEST_2)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(override).httpClient(UrlConnectionHttpClient.builder().build()).build();
    }

    public Checkpointer checkpointer() {
        return checkpointer(db.dataSource(), kms);
    }

    public Checkpointer checkpointer(DataSource dataSource, KmsClient signingClient) {
        return new Checkpointer(dataSource, s3, new ManifestSigner(signingClient, keyId),
                new Checkpointer.Settings(bucket, prefix, Duration.ofSeconds(60)), clock);
    }

    /** One run; the clock moves a minute after it, as the schedule's would. */
    public LedgerReport run() {
        try {
            LedgerReport report = checkpointer().run();
            // The run's time, in the test's output (target/surefire-reports/*-output.txt)
            System.out.printf("ledger run: %s, %d new leaves, tree %d, %d ms%n", report.outcome(),
                    report.newLeaves(), report.treeSize(), report.millis());
            return report;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } finally {
            clock.advance(Duration.ofMinutes(1));
        }
    }

    /** Events recorded through the recorder's own repository (audit rows and the billing and fraud rows they imply). */
    public List<AuditEvent> record(EventBuilder... events) {
        List<AuditEvent> parsed = Stream.of(events).map(e -> parser.parse(e.json())).toList();
        db.repository().record(parsed);
        return parsed;
    }

    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    /** Every version of every object under the ledger's folder: a checkpoint is written once. */
    public List<ObjectVersion> versions() {
        List<ObjectVersion> all = new ArrayList<>();
        s3.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix(LedgerLayout.ledgerPrefix(prefix)))
                .forEach(page -> all.addAll(page.versions()));
        return all;
    }

    /** The checkpoint objects in the bucket, in sequence order. */
    public List<CheckpointObject> objects() {
        return keys().stream().filter(k -> LedgerLayout.parseCheckpointKey(prefix, k).isPresent()).sorted()
                .map(k -> CheckpointObject.decode(s3.getObjectAsBytes(r -> r.bucket(bucket).key(k)).asByteArray()))
                .toList();
    }

    /** Every entry the bucket's checkpoints publish, in tree order. */
    public List<LeafEntry> publishedEntries() {
        return objects().stream().flatMap(o -> o.entries().stream()).map(LeafEntry::decode).toList();
    }

    public PublicKey publicKey() {
        return PublicKeys.fromKms(kms, keyId);
    }

    /**
     * What an auditor holding only the bucket and the public key checks: sequences from 0 without a gap, each signed,
     * each following the one before, each consistency proof holding, and the entries rebuilding every root. Returns
     * the problems found (none: the ledger holds).
     */
    public List<String> auditBucket() {
        List<String> problems = new ArrayList<>();
        PublicKey key = publicKey();
        TreeBuilder tree = TreeBuilder.rootsOnly();
        byte[] previousRoot = MerkleTree.emptyRoot();
        long previousSize = 0;
        List<CheckpointObject> objects = objects();
        for (int i = 0; i < objects.size(); i++) {
            CheckpointObject o = objects.get(i);
            var c = o.checkpoint();
            if (c.sequence() != i) {
                problems.add("sequence " + c.sequence() + " at place " + i);
            }
            if (!o.signedBy(key)) {
                problems.add("sequence " + i + " is not signed by the key");
            }
            if (c.previousSize() != previousSize || !Arrays.equals(c.previousRoot(), previousRoot)) {
                problems.add("sequence " + i + " does not follow the one before");
            }
            if (o.entries().size() != c.size() - c.previousSize()) {
                problems.add("sequence " + i + " has " + o.entries().size() + " entries for " + c.size() + " - "
                        + c.previousSize());
            }
            o.entries().forEach(e -> tree.append(MerkleTree.leafHash(e)));
            if (!Arrays.equals(tree.root(), c.root())) {
                problems.add("sequence " + i + "'s entries do not rebuild its root");
            }
            if (i > 0 && !MerkleTree.verifyConsistency(previousSize, c.size(), previousRoot, c.root(),
                    o.consistency())) {
                problems.add("sequence " + i + "'s consistency proof does not hold");
            }
            previousSize = c.size();
            previousRoot = c.root();
        }
        return problems;
    }

    /** The database's leaves, in position order. */
    public List<Map<String, Object>> leaves() {
        return tables.query("SELECT position, table_name, row_key::text AS row_key, day, kind, row_hash FROM "
                + "ledger.leaves ORDER BY position");
    }

    /** A client fault: throws {@code failure} at the first request {@code which} matches, when {@code before}. */
    public Fault once(Class<? extends SdkRequest> which, boolean before, RuntimeException failure) {
        AtomicInteger left = new AtomicInteger(1);
        Fault fault = (request, when) -> {
            if (which.isInstance(request) && when == before && left.getAndDecrement() > 0) {
                throw failure;
            }
        };
        faults.add(fault);
        return fault;
    }

    /** Runs {@code action} at the first request {@code which} matches, before it is sent. */
    public void before(Class<? extends SdkRequest> which, Consumer<SdkRequest> action) {
        AtomicInteger left = new AtomicInteger(1);
        faults.add((request, when) -> {
            if (which.isInstance(request) && when && left.getAndDecrement() > 0) {
                action.accept(request);
            }
        });
    }

    /** A clock the test moves: the checkpoints' times, and the schedule's stall warning, read it. */
    public static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        public void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
