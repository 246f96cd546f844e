package uk.gov.ida.eventrecorder.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.testing.LambdaRuntime;
import uk.gov.ida.eventrecorder.testing.Moto;
import uk.gov.ida.eventrecorder.testing.Tables;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger's checkpoint function beside a fleet (docs/performance.md, "The ledger"): the packaged export artifact's
 * {@code LedgerHandler} under Lambda's runtime client, one warm container as the schedule would keep, invoked every
 * {@code fleet.ledgerIntervalMs} (default 1,000: the schedule's minute shortened so that several checkpoints fall
 * inside a few seconds of a fleet's timed events; each then covers about a second of events, not a minute's, so the
 * per-run part weighs sixty times what it would), against moto's S3 (Object Lock) and KMS.
 */
final class LedgerAlongside implements AutoCloseable {
    static final String HANDLER = "uk.gov.ida.eventrecorder.lambda.LedgerHandler::handleRequest";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** USD, us-east-1 list prices (check the region's), as {@link ExportBenchmark}'s. */
    static final double LAMBDA_GB_SECOND = 0.0000133334;
    static final double LAMBDA_REQUEST = 0.20 / 1_000_000;
    static final double S3_PUT = 0.005 / 1000;
    static final double KMS_SIGN = 0.15 / 10_000;
    /** RDS gp3 storage, a GB-month, single-AZ (Multi-AZ twice that). */
    static final double DB_GB_MONTH = 0.115;
    static final double S3_GB_MONTH = 0.023;

    private final LambdaRuntime function;
    private final S3Client s3;
    private final String bucket;
    private final long intervalMillis;
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private final AtomicLong billed = new AtomicLong();
    private final AtomicLong leaves = new AtomicLong();
    private final AtomicLong worst = new AtomicLong();
    private volatile Thread ticker;
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile Throwable failed;

    /** What the runs did between two marks. */
    record Use(long runs, long checkpoints, long busy, long billedMillis, long cpuMillis, long leaves, long worstMillis) {
    }

    private LedgerAlongside(LambdaRuntime function, S3Client s3, String bucket, long intervalMillis) {
        this.function = function;
        this.s3 = s3;
        this.bucket = bucket;
        this.intervalMillis = intervalMillis;
    }

    /**
     * The function started with the fleet's database, a new locked bucket and signing key in moto, and its first run
     * done (the genesis).
     */
    static LedgerAlongside start(Path exportArtifact, Map<String, String> databaseEnvironment) throws IOException {
        Moto moto = Moto.get();
        S3Client s3 = moto.s3();
        String bucket = moto.lockedBucket(s3, 1);
        String key;
        try (KmsClient kms = moto.kms()) {
            key = moto.signingKey(kms);
        }
        Map<String, String> env = new java.util.HashMap<>(databaseEnvironment);
        env.put("EXPORT_BUCKET", bucket);
        env.put("EXPORT_SIGNING_KEY_ID", key);
        env.put("AWS_ENDPOINT_URL_KMS", moto.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_S3", moto.endpoint().toString());
        env.put("AWS_REGION", "eu-west-2");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        // LEDGER_INTERVAL stays the schedule's minute: it only decides when waiting rows are a stalled schedule.
        long interval = Long.getLong("fleet.ledgerIntervalMs", 1000);
        String options = templateJavaOptions();
        if (options != null) {
            env.put("JAVA_TOOL_OPTIONS", options);
        }
        LedgerAlongside ledger = new LedgerAlongside(LambdaRuntime.start(exportArtifact, HANDLER, env, 1), s3, bucket,
                interval);
        ledger.runOnce();
        return ledger;
    }

    /** The ledger function's own JVM options in the template, if it names any; else the Globals' apply. */
    private static String templateJavaOptions() {
        JsonNode function = ledgerFunction();
        JsonNode options = function == null ? null : function.path("Properties").path("Environment").path("Variables")
                .get("JAVA_TOOL_OPTIONS");
        return options == null ? null : options.asText();
    }

    /** The ledger function's memory in the template (MB): what its GB-seconds are billed at. */
    static int memoryMb() {
        JsonNode function = ledgerFunction();
        JsonNode memory = function == null ? null : function.path("Properties").get("MemorySize");
        if (memory != null && memory.canConvertToInt()) {
            return memory.asInt();
        }
        JsonNode global = template().path("Globals").path("Function").get("MemorySize");
        return global != null && global.canConvertToInt() ? global.asInt() : 1024;
    }

    private static JsonNode ledgerFunction() {
        for (JsonNode resource : template().path("Resources")) {
            if (resource.path("Properties").path("Handler").asText().contains("LedgerHandler")) {
                return resource;
            }
        }
        return null;
    }

    private static JsonNode template() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(Path.of("template.yaml").toFile());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Runs until one finds nothing new: what other fleets recorded meanwhile is taken before this fleet's figures
     * start (one run of 30,000 leaves would otherwise stand for this fleet's).
     */
    void catchUp() {
        while (runOnce() != 0) {
            // until a run finds nothing new
        }
    }

    /** One scheduled run, counted; its new leaves. */
    long runOnce() {
        LambdaRuntime.Answer answer = function.invoke(LambdaRuntime.scheduledEvent());
        JsonNode report;
        try {
            report = JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new IllegalStateException("the ledger's answer is not JSON: " + answer.body());
        }
        String outcome = report.path("outcome").asText();
        if (answer.error() || !List.of("CHECKPOINTED", "IDLE", "BUSY").contains(outcome)
                || !report.path("warnings").isEmpty()) {
            throw new IllegalStateException("the ledger's run failed: " + answer.body() + "\n" + function.output());
        }
        long millis = (answer.durationNanos() + 999_999) / 1_000_000;
        runs.incrementAndGet();
        billed.addAndGet(millis);
        worst.accumulateAndGet(millis, Math::max);
        long added = report.path("newLeaves").asLong();
        if (outcome.equals("CHECKPOINTED")) {
            checkpoints.incrementAndGet();
            leaves.addAndGet(added);
        } else if (outcome.equals("BUSY")) {
            busy.incrementAndGet();
        }
        return added;
    }

    /** Runs every interval on a thread of its own until {@link #pause()}. */
    void resume() {
        stop.set(false);
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                long started = System.nanoTime();
                try {
                    runOnce();
                    long left = intervalMillis - (System.nanoTime() - started) / 1_000_000;
                    if (left > 0) {
                        Thread.sleep(left);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable e) {
                    failed = e;
                    return;
                }
            }
        }, "ledger-schedule");
        t.setDaemon(true);
        ticker = t;
        t.start();
    }

    /** Stops the schedule after the run in progress. */
    void pause() throws InterruptedException {
        stop.set(true);
        ticker.join();
        if (failed != null) {
            throw new IllegalStateException("the ledger's schedule failed", failed);
        }
    }

    Use mark() {
        worst.set(0);
        return new Use(runs.get(), checkpoints.get(), busy.get(), billed.get(), function.cpuMillis(), leaves.get(), 0);
    }

    Use since(Use mark) {
        return new Use(runs.get() - mark.runs(), checkpoints.get() - mark.checkpoints(), busy.get() - mark.busy(),
                billed.get() - mark.billedMillis(), function.cpuMillis() - mark.cpuMillis(),
                leaves.get() - mark.leaves(), worst.get());
    }

    /** Bytes of the checkpoint objects in the bucket. */
    long objectBytes() {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().mapToLong(S3Object::size).sum();
    }

    /**
     * After a last run: every row of every exported table in exactly one leaf of its table (matched by its first key
     * column; the runs here only record, so each leaf is a RECORDED one), and no leaf without its row.
     */
    void checkEveryRowInOneLeaf(Tables tables) {
        catchUp();
        long total = 0;
        for (ExportedTable table : ExportedTable.ALL) {
            long rows = count(tables, "SELECT count(*) AS n FROM " + table.name());
            long leafCount = count(tables, "SELECT count(*) AS n FROM ledger.leaves WHERE table_name = '"
                    + table.name() + "'");
            long distinct = count(tables, "SELECT count(DISTINCT row_key) AS n FROM ledger.leaves WHERE table_name = '"
                    + table.name() + "'");
            String key = table.keyColumns().get(0);
            long notOnce = count(tables, "SELECT count(*) AS n FROM (SELECT r." + key + " FROM " + table.name()
                    + " r LEFT JOIN ledger.leaves l ON l.table_name = '" + table.name() + "' AND l.row_key[1] = r."
                    + key + "::text GROUP BY r." + key + " HAVING count(l.position) <> 1) x");
            if (rows != leafCount || rows != distinct || notOnce != 0) {
                throw new IllegalStateException(table.name() + ": " + rows + " rows, " + leafCount + " leaves ("
                        + distinct + " distinct keys), " + notOnce + " row(s) not in exactly one leaf");
            }
            total += rows;
        }
        long size = count(tables, "SELECT coalesce(max(tree_size), 0) AS n FROM ledger.checkpoints");
        if (size != total) {
            throw new IllegalStateException("the tree holds " + size + " leaves for " + total + " rows");
        }
        System.out.printf("every recorded row in exactly one leaf (%,d rows of %d tables, tree size %,d)%n", total,
                ExportedTable.ALL.size(), size);
    }

    private static long count(Tables tables, String sql) {
        return ((Number) tables.query(sql).get(0).get("n")).longValue();
    }

    static long leafCount(Tables tables) {
        return count(tables, "SELECT count(*) AS n FROM ledger.leaves");
    }

    /** The ledger's tables' bytes a leaf, indexes included, as the runs wrote them. */
    static double databaseBytesPerLeaf(Tables tables) {
        long bytes = count(tables, "SELECT pg_total_relation_size('ledger.leaves') + pg_total_relation_size("
                + "'ledger.nodes') + pg_total_relation_size('ledger.checkpoints') AS n");
        long leafCount = count(tables, "SELECT count(*) AS n FROM ledger.leaves");
        return (double) bytes / leafCount;
    }

    @Override
    public void close() {
        function.close();
        s3.close();
    }
}
