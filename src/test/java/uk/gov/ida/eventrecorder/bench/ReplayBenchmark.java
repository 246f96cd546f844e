package uk.gov.ida.eventrecorder.bench;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.lambda.ArchiveReplayHandler;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.RecorderFixture;
import uk.gov.ida.eventrecorder.testing.S3Events;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code build/benchmark.sh --replay}: archive replay throughput from a 100,000-line object, and the peak heap of a
 * fresh JVM (capped at -Xmx256m) replaying a large object ({@code -Dreplay.megabytes}, default 1024).
 */
public final class ReplayBenchmark {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("probe")) {
            probe(args[1], args[2]);
            return;
        }
        RecorderFixture fixture = new RecorderFixture();
        fixture.database.truncateAll();
        Map<String, String> env = fixture.environment();
        String bucket = "replay-benchmark";
        try (S3Client s3 = fixture.servers.s3Client()) {
            s3.createBucket(r -> r.bucket(bucket));
            Path small = archive(100_000, 1);
            s3.putObject(r -> r.bucket(bucket).key("replay/100k.jsonl"), RequestBody.fromFile(small));
            try (ArchiveReplayHandler handler = new ArchiveReplayHandler(env)) {
                long start = System.nanoTime();
                Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, "replay/100k.jsonl",
                        Files.size(small)), null);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("RESULT replay of a 100,000-line object: %,.0f events/s (%.1f s) %s%n",
                        100_000 / seconds, seconds, result);
            }
            Files.delete(small);

            long megabytes = Long.getLong("replay.megabytes", 1024);
            int lines = (int) (megabytes * 1024 * 1024 / 525); // a generated line is about 525 bytes
            Path large = archive(lines, 2);
            System.out.printf("RESULT large archive: %,d lines, %,d MB%n", lines, Files.size(large) >> 20);
            s3.putObject(r -> r.bucket(bucket).key("replay/large.jsonl"), RequestBody.fromFile(large));
            Files.delete(large);
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), ReplayBenchmark.class.getName(),
                    "probe", bucket, "replay/large.jsonl");
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            builder.environment().putAll(fixture.processEnvironment());
            if (builder.start().waitFor() != 0) {
                throw new IllegalStateException("the replay probe failed");
            }
        }
        System.exit(0);
    }

    /** In a fresh JVM: replay the object with the handler and print the peak heap the JVM saw. */
    private static void probe(String bucket, String key) {
        try (ArchiveReplayHandler handler = new ArchiveReplayHandler()) {
            long start = System.nanoTime();
            Map<String, Object> result = handler.handleRequest(S3Events.objectCreated(bucket, key, 0), null);
            double seconds = (System.nanoTime() - start) / 1e9;
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf("RESULT replay of the large object in a -Xmx256m JVM: %.1f s, peak heap %,d MB (sum of "
                    + "heap pools' peaks), %s%n", seconds, peak >> 20, result);
        }
    }

    private static Path archive(int lines, long seed) throws IOException {
        Path file = Files.createTempFile("archive-", ".jsonl");
        Random random = new Random(seed);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < lines; i++) {
                int roll = random.nextInt(10);
                EventBuilder event = roll < 7 ? EventBuilder.billing() : roll < 8 ? EventBuilder.fraud()
                        : EventBuilder.otherSession();
                out.write("{\"document\":");
                out.write(event.json());
                out.write("}\n");
            }
        }
        return file;
    }

}
