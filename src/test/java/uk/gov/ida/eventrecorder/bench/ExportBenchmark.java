package uk.gov.ida.eventrecorder.bench;

import org.postgresql.PGConnection;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.testing.Moto;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The export's rate and memory: a day of N audit events (default 1 and 10 million), exported by the
 * packaged {@code event-recorder-export.jar} in a fresh JVM with the export function's JVM options and
 * {@code -Xmx256m}, to S3Mock (moto's S3 takes 25 MB/s here and fails to complete a 160-part upload: see
 * docs/TEST-SERVERS.md), signed by moto's KMS; beside it, the ceiling: PostgreSQL's own {@code COPY (the same query) TO STDOUT
 * (FORMAT binary)} read by a plain client that keeps nothing. Alternating, two rounds, medians. It ends by reading the
 * exported file back with DuckDB: every row once.
 */
public final class ExportBenchmark {
    private static final double LAMBDA_GB_SECOND = 0.0000133334; // arm64, eu-west-2 list price
    private static final double S3_PUT = 0.005 / 1000;
    private static final double KMS_SIGN = 0.15 / 10_000;
    private static final Pattern SUMMARY = Pattern.compile("export: .* (\\d+) row\\(s\\), (\\d+) byte\\(s\\) in "
            + "([\\d.]+) s .*peak heap (\\d+) MB");

    public static void main(String[] args) throws Exception {
        List<Long> sizes = new ArrayList<>();
        for (String a : args) {
            sizes.add(Long.parseLong(a));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(1_000_000L, 10_000_000L);
        }
        TestDatabase db = TestDatabase.get();
        Moto moto = Moto.get();
        Path artifact = Path.of("target/event-recorder-export.jar");
        // The export function's own JVM options (its JAVA_TOOL_OPTIONS, after ExportFunction: in template.yaml).
        String template = Files.readString(Path.of("template.yaml"));
        String javaOptions = template.substring(template.indexOf("  ExportFunction:")).lines()
                .filter(l -> l.strip().startsWith("JAVA_TOOL_OPTIONS:")).findFirst().orElseThrow()
                .replaceFirst(".*JAVA_TOOL_OPTIONS: *", "").strip();
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(1);
        System.out.printf("export benchmark on %s, %d cores; the export: %s, -Xmx256m -XX:+UseSerialGC %s%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), artifact, javaOptions);
        List<String> lines = new ArrayList<>();
        for (long rows : sizes) {
            db.truncateAll();
            long t0 = System.nanoTime();
            generate(db, day, rows);
            System.out.printf("%,d audit events generated on %s in %.0f s%n", rows, day, (System.nanoTime() - t0) / 1e9);
            List<Double> ceiling = new ArrayList<>();
            List<double[]> export = new ArrayList<>();
            long copiedBytes = 0;
            try (S3Client s3 = uk.gov.ida.eventrecorder.testing.TestServers.get().s3Client(); KmsClient kms = moto.kms()) {
                String key = moto.signingKey(kms);
                for (int round = 0; round < 2; round++) {
                    long[] copied = new long[1];
                    double seconds = copyOut(db, day, copied);
                    copiedBytes = copied[0];
                    ceiling.add(seconds);
                    System.out.printf("  round %d ceiling: COPY … TO STDOUT (FORMAT binary) %.1f s (%,.0f rows/s, %,d "
                            + "bytes)%n", round + 1, seconds, rows / seconds, copied[0]);
                    String bucket = "export-bench-" + java.util.UUID.randomUUID().toString().substring(0, 8);
                    s3.createBucket(r -> r.bucket(bucket));
                    double[] run = exportRun(db, moto, artifact, javaOptions, bucket, key, day);
                    export.add(run);
                    System.out.printf("  round %d export: %.1f s (%,.0f rows/s), peak heap %.0f MB, %,.0f bytes of "
                            + "Parquet%n", round + 1, run[0], rows / run[0], run[1], run[2]);
                    check(s3, bucket, day, rows);
                }
            }
            double c = median(ceiling);
            double e = median(export.stream().map(r -> r[0]).toList());
            double heap = export.stream().mapToDouble(r -> r[1]).max().orElse(0);
            double parts = Math.ceil(export.get(0)[2] / (8 * 1024 * 1024.0)) + 2;
            double costPerMillion = (e * 1.0 * LAMBDA_GB_SECOND + parts * S3_PUT + 2 * KMS_SIGN) / rows * 1_000_000;
            lines.add(String.format("| %,d | %,.0f rows/s (%.1f s) | %,.0f rows/s (%.1f s, %,d bytes) | %.2f× | %.0f MB "
                            + "| $%.5f |", rows, rows / e, e, rows / c, c, copiedBytes, c / e, heap, costPerMillion));
        }
        System.out.println();
        System.out.println("| rows in the day | export (Parquet to S3, signed) | ceiling: COPY binary, read and "
                + "dropped | export / ceiling | peak heap (-Xmx256m) | cost per million rows (1024 MB arm64 Lambda, "
                + "S3 PUTs, KMS Sign) |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        lines.forEach(System.out::println);
        // S3Mock's web server and ElasticMQ's actors are not daemons: without this the run prints its table and then
        // waits for ever (as the other benchmarks end).
        System.exit(0);
    }

    /** A day of audit events shaped as the queue writes them: a UUID id, a session, ~250 bytes of details. */
    private static void generate(TestDatabase db, LocalDate day, long rows) {
        db.admin("INSERT INTO audit.audit_events SELECT gen_random_uuid()::text, '" + day + "'::timestamp "
                + "+ ((i - 1) * (86400.0 / " + rows + ")) * interval '1 second', 'hub', 'session-' || (i / 10), "
                + "'session_event', jsonb_build_object('session_event_type', 'idp_authn_succeeded', 'pid', md5(i::text), "
                + "'request_id', md5((i + 1)::text), 'idp_entity_id', 'https://idp.example/' || (i % 20), "
                + "'minimum_level_of_assurance', 'LEVEL_1', 'provided_level_of_assurance', 'LEVEL_2', "
                + "'transaction_entity_id', 'https://rp.example/' || (i % 50)) FROM generate_series(1, " + rows + ") i",
                "VACUUM ANALYZE audit.audit_events");
    }

    private static double copyOut(TestDatabase db, LocalDate day, long[] bytes) throws Exception {
        String query = ExportedTable.named("audit_events").plainRowsQuery().replace("?", "'%s'")
                .formatted(day.atStartOfDay(), day.plusDays(1).atStartOfDay());
        try (Connection c = db.dataSource().getConnection()) {
            long t0 = System.nanoTime();
            c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + query + ") TO STDOUT (FORMAT binary)",
                    new OutputStream() {
                        @Override
                        public void write(int b) {
                            bytes[0]++;
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                            bytes[0] += len;
                        }
                    });
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** @return seconds, peak heap MB, bytes written */
    private static double[] exportRun(TestDatabase db, Moto moto, Path artifact, String javaOptions, String bucket,
                                      String key, LocalDate day) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:+UseSerialGC"));
        command.addAll(List.of(javaOptions.split(" ")));
        // More options for the export's JVM only, such as a flight recording to find where its time goes.
        String extra = System.getProperty("export.javaOptions", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split(" +")));
        }
        command.addAll(List.of("-jar", artifact.toString(), "export"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = new HashMap<>();
        env.put("DB_CONNECTION_STRING", db.connectionString());
        env.put("EXPORT_BUCKET", bucket);
        env.put("EXPORT_SIGNING_KEY_ID", key);
        env.put("EXPORT_START_DATE", day.toString());
        env.put("AWS_ENDPOINT_URL_KMS", moto.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_S3", uk.gov.ida.eventrecorder.testing.TestServers.get().s3Endpoint());
        env.put("AWS_REGION", "eu-west-2");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("AWS_LAMBDA_LOG_LEVEL", "WARN");
        builder.environment().putAll(env);
        Process process = builder.start();
        // A hung export (a server that stopped answering) must end the benchmark with its output, not hold it: the
        // output is read on a thread of its own, and the export is stopped after -Dexport.timeoutMinutes (default 30).
        java.util.concurrent.CompletableFuture<String> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long minutes = Long.getLong("export.timeoutMinutes", 30);
        if (!process.waitFor(minutes, java.util.concurrent.TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("the export did not finish within " + minutes + " minutes:\n" + read.join());
        }
        int exit = process.exitValue();
        String output = read.join();
        Matcher m = SUMMARY.matcher(output);
        if (exit != 0 || !m.find()) {
            throw new IllegalStateException("the export failed (exit " + exit + "):\n" + output);
        }
        return new double[]{Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)),
                Double.parseDouble(m.group(2))};
    }

    /** Every generated event in the export exactly once, as DuckDB reads the file. */
    private static void check(S3Client s3, String bucket, LocalDate day, long rows) throws Exception {
        Manifest manifest = null;
        for (var o : s3.listObjectsV2(r -> r.bucket(bucket).prefix("_manifests/")).contents()) {
            if (o.key().contains("_audit_events_" + day) && o.key().endsWith(".json")) {
                manifest = Manifest.parse(s3.getObjectAsBytes(r -> r.bucket(bucket).key(o.key())).asByteArray());
            }
        }
        if (manifest == null) {
            throw new IllegalStateException("no manifest of audit_events " + day);
        }
        String key = manifest.objects().get(0).key();
        Path file = Files.createTempFile("export-bench-", ".parquet");
        Files.delete(file);
        try {
            s3.getObject(r -> r.bucket(bucket).key(key), software.amazon.awssdk.core.sync.ResponseTransformer
                    .toFile(file));
            try (Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM read_parquet('"
                         + file + "')")) {
                rs.next();
                if (rs.getLong(1) != rows || rs.getLong(2) != rows || manifest == null || manifest.rows() != rows) {
                    throw new IllegalStateException("expected every one of " + rows + " events once; the file holds "
                            + rs.getLong(1) + " rows, " + rs.getLong(2) + " distinct; the manifest says "
                            + (manifest == null ? "nothing" : manifest.rows()));
                }
            }
            System.out.printf("  checked: DuckDB reads %,d rows, %,d distinct events, as the manifest says%n", rows,
                    rows);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
