package uk.gov.ida.eventrecorder.export;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import uk.gov.ida.eventrecorder.digest.ChainLink;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestChain;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.store.UndatedRows;
import uk.gov.ida.eventrecorder.testing.ExportFixture;
import uk.gov.ida.eventrecorder.verification.Finding;
import uk.gov.ida.eventrecorder.verification.Verdict;
import uk.gov.ida.eventrecorder.verification.Verifier;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_2;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.RUN_AT;

/**
 * The export's proof against its own operators: nothing signed that the export did not write, one chain whatever
 * runs at once, no crash that stops it for good, no "intact" about nothing or about a cut tail, and every date the
 * recorder accepts. Against moto's S3 and KMS, PostgreSQL and DuckDB.
 */
class ExportChainTest {
    private static final ExportedTable AUDIT = ExportedTable.named("audit.audit_events");
    /** Enough rounds of two runs started together for a race to show (each round forked the old chain). */
    private static final int RACE_ROUNDS = 20;

    @Test
    void aManifestPlacedAtTheHeadByAnotherIsNeverSignedAndTheNextRunStopsLoudly() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        String head = f.keys().stream().filter(k -> k.startsWith("_manifests/") && k.endsWith(".json")).sorted()
                .reduce((a, b) -> b).orElseThrow();
        long sequence = Long.parseLong(head.substring("_manifests/".length(), "_manifests/".length() + 12));
        String forged = String.format("_manifests/%012d", sequence + 1) + head.substring("_manifests/".length() + 12);
        String forgedBody = new String(f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(head)).asByteArray(),
                StandardCharsets.UTF_8).replace("\"sequence\":" + sequence, "\"sequence\":" + (sequence + 1));
        f.s3.putObject(r -> r.bucket(f.bucket).key(forged), RequestBody.fromString(forgedBody));

        ExportReport report = f.export(RUN_AT.plus(Duration.ofDays(1)), false);

        assertTrue(report.warnings().stream().anyMatch(w -> w.contains(forged)), "the run names what it found: "
                + report.warnings());
        assertEquals(0, report.daysExported(), "the run writes nothing after a manifest it did not sign");
        assertTrue(report.alarmed());
        Outcome outcome = verify(f, "", Optional.empty());
        assertEquals(Verdict.TAMPERED, outcome.result().verdict(), outcome.findings().toString());
        assertTrue(outcome.findings().stream().anyMatch(x -> x.kind() == Finding.Kind.TAMPERED
                && x.text().contains(forged)), outcome.findings().toString());
    }

    @Test
    void aLinkPlacedAtTheHeadByAnotherWithoutTheKeysSignatureStopsTheNextRunBeforeItWrites() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        ExportLayout layout = new ExportLayout("");
        long head = f.manifests().size();
        ChainLink real = link(f, layout.linkKey(head));
        Manifest last = real.parsedManifest();
        Manifest forgedManifest = new Manifest(last.format(), head + 1, last.table(), last.date(), last.through(),
                last.part() + 1, last.exportedAt(), last.snapshot(), last.rows(), last.firstTimeStamp(),
                last.lastTimeStamp(), last.rowsSha256(), last.columns(), last.keyColumns(), last.objects(),
                new Manifest.Link(real.manifestKey(), real.manifestSha256()), last.signingKey());
        byte[] bytes = forgedManifest.toBytes();
        String forgedKey = layout.manifestKey(head + 1, ManifestChain.shortName(last.table()), last.day(),
                last.throughDay(), last.part() + 1).key();
        ChainLink forged = new ChainLink(real.format(), head + 1, forgedKey, ManifestChain.sha256Hex(bytes),
                real.keyId(), real.algorithm(), real.signature(), java.util.Base64.getEncoder().encodeToString(bytes));
        f.s3.putObject(r -> r.bucket(f.bucket).key(layout.linkKey(head + 1)), RequestBody.fromBytes(forged.toBytes()));

        ExportReport report = f.export(RUN_AT.plus(Duration.ofDays(1)), false);

        assertTrue(report.alarmed(), report.asMap().toString());
        assertTrue(report.warnings().stream().anyMatch(w -> w.contains(layout.linkKey(head + 1))),
                report.warnings().toString());
        assertFalse(f.keys().contains(forgedKey), "the run does not complete what it did not sign");
        Outcome outcome = verify(f, "", Optional.empty());
        assertTrue(outcome.findings().stream().anyMatch(x -> x.kind() == Finding.Kind.TAMPERED
                && x.text().startsWith("link " + layout.linkKey(head + 1) + " is not the export's")),
                outcome.findings().toString());
    }

    private static ChainLink link(ExportFixture f, String key) {
        try {
            return ChainLink.parse(f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(key)).asByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * moto 5.2.1 checks {@code If-None-Match: *} and stores the object in two steps, without a lock: two PUTs at once
     * both succeed (seen here: a link with two versions, one round in twenty). S3 promises that only the first of
     * concurrent conditional writes succeeds; this thin wrapper gives moto that promise, by letting one conditional
     * PUT at a time reach it, so that the test exercises the export's protocol and not moto's race.
     */
    private static final class OneConditionalWriteAtATime implements ExecutionInterceptor {
        private final java.util.concurrent.locks.ReentrantLock lock;
        /** Conditional writes refused (412): places another run had taken first. */
        final AtomicInteger refused = new AtomicInteger();

        OneConditionalWriteAtATime(java.util.concurrent.locks.ReentrantLock lock) {
            this.lock = lock;
        }

        private static boolean conditional(SdkRequest request) {
            return request instanceof PutObjectRequest put && put.ifNoneMatch() != null;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (conditional(context.request())) {
                lock.lock();
            }
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (conditional(context.request()) && lock.isHeldByCurrentThread()) {
                lock.unlock();
            }
        }

        @Override
        public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
            if (context.exception() instanceof software.amazon.awssdk.services.s3.model.S3Exception e
                    && e.statusCode() == 412) {
                refused.incrementAndGet();
            }
            if (conditional(context.request()) && lock.isHeldByCurrentThread()) {
                lock.unlock();
            }
        }
    }

    @Test
    void twoRunsAtOnceWithALateRowBetweenTheirStartsNeverForkTheChainAndExportEveryRowOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        java.util.concurrent.locks.ReentrantLock moto = new java.util.concurrent.locks.ReentrantLock();
        OneConditionalWriteAtATime oneAtATime = new OneConditionalWriteAtATime(moto);
        ClientOverrideConfiguration atomic = ClientOverrideConfiguration.builder()
                .addExecutionInterceptor(oneAtATime).build();
        try {
            for (int round = 0; round < RACE_ROUNDS; round++) {
                ExportFixture f = new ExportFixture(true);
                f.seed();
                CountDownLatch first = new CountDownLatch(1);
                CountDownLatch second = new CountDownLatch(1);
                Future<ExportReport> a = threads.submit(() -> {
                    first.await();
                    return f.exporter(f.moto.s3(atomic), false).run(RUN_AT, () -> Long.MAX_VALUE);
                });
                Future<ExportReport> b = threads.submit(() -> {
                    second.await();
                    return f.exporter(f.moto.s3(atomic), false).run(RUN_AT, () -> Long.MAX_VALUE);
                });
                first.countDown();
                f.db.admin("INSERT INTO audit.audit_events VALUES ('late-" + round + "', '" + DAY_1
                        + " 15:00:00', 'hub', NULL, 'session_event', NULL)");
                second.countDown();
                a.get(120, TimeUnit.SECONDS);
                b.get(120, TimeUnit.SECONDS);
                // A third run exports what a run whose snapshot lacked the late row left to the next.
                f.export(RUN_AT, false);

                List<Long> sequences = f.manifests().stream().map(Manifest::sequence).sorted().toList();
                assertEquals(sequences.size(), new HashSet<>(sequences).size(), "round " + round
                        + ": no two manifests take one place: " + sequences);
                Outcome outcome = verify(f, "", Optional.of(f.db.dataSource()));
                assertEquals(Verdict.INTACT, outcome.result().verdict(), "round " + round + ": "
                        + outcome.findings());
                assertEveryRowOnce(f, List.of(DAY_1, DAY_2), ExportedTable.ALL);
            }
            assertTrue(oneAtATime.refused.get() > 0, "the runs did race for places");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aRunThatLosesEveryPlaceItTriesStopsCleanlyAndSaysWhy() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        // Other runs taking every place is what no server does on demand: a thin wrapper refuses each link's PUT.
        S3Client alwaysLate = f.moto.s3(ClientOverrideConfiguration.builder().addExecutionInterceptor(
                new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof PutObjectRequest put && put.key().startsWith("_chain/")) {
                            throw software.amazon.awssdk.services.s3.model.S3Exception.builder().statusCode(412)
                                    .message("another run took the place (injected)").build();
                        }
                    }
                }).build());

        ExportReport report = run(auditOnly(f, alwaysLate), RUN_AT, () -> Long.MAX_VALUE);

        assertFalse(report.complete());
        assertFalse(report.alarmed(), "losing races is not tampering");
        assertTrue(report.stoppedBefore().startsWith("other export runs took the chain's next place 10 times in a "
                + "row; audit.audit_events " + DAY_1 + " part 0 is left to the next run"), report.stoppedBefore());
        assertEquals(List.of(), f.manifests());
        ExportReport next = run(auditOnly(f, f.s3), RUN_AT, () -> Long.MAX_VALUE);
        assertTrue(next.complete(), "the next run goes on: " + next.asMap());
        assertEquals(Verdict.INTACT, verify(f, "", Optional.empty()).result().verdict());
    }

    @Test
    void aRunStoppedBetweenAnyTwoOfItsWritesIsCompletedByTheNextEvenAfterALateRow() throws Exception {
        for (int k = 1; ; k++) {
            ExportFixture f = new ExportFixture(true);
            f.seed();
            AtomicInteger writes = new AtomicInteger();
            int stopAt = k;
            // A crash between two writes is what no real server does on demand: a thin wrapper fails the k-th.
            S3Client crashing = f.moto.s3(ClientOverrideConfiguration.builder().addExecutionInterceptor(
                    new ExecutionInterceptor() {
                        @Override
                        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                            SdkRequest request = context.request();
                            if ((request instanceof PutObjectRequest || request instanceof CompleteMultipartUploadRequest)
                                    && writes.incrementAndGet() == stopAt) {
                                throw SdkClientException.create("the run stops here (injected)");
                            }
                        }
                    }).build());
            boolean stopped;
            try {
                auditOnly(f, crashing).run(RUN_AT, () -> Long.MAX_VALUE);
                stopped = false;
            } catch (RuntimeException e) {
                stopped = true;
            }
            if (!stopped) {
                assertTrue(k > 4, "the run writes at least its objects and its chain");
                return;
            }
            f.db.admin("INSERT INTO audit.audit_events VALUES ('late-after-crash', '" + DAY_1
                    + " 15:00:00', 'hub', NULL, 'session_event', NULL)");

            ExportReport next = auditOnly(f, f.s3).run(RUN_AT, () -> Long.MAX_VALUE);

            assertTrue(next.complete(), "stopped at write " + k + ": " + next.asMap());
            Outcome outcome = verify(f, "", Optional.empty());
            assertEquals(Verdict.INTACT, outcome.result().verdict(), "stopped at write " + k + ": "
                    + outcome.findings());
            assertEveryRowOnce(f, List.of(DAY_1, DAY_2), List.of(AUDIT));
        }
    }

    @Test
    void anEmptyBucketOrAMistypedPrefixIsNothingToVerifyNotIntact() {
        ExportFixture empty = new ExportFixture(true);
        assertEquals(Verdict.COULD_NOT_CHECK, verify(empty, "", Optional.empty()).result().verdict());

        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        assertEquals(Verdict.COULD_NOT_CHECK, verify(f, "exprot/", Optional.empty()).result().verdict());
    }

    @Test
    void theNewestManifestsSignaturesAndFilesHiddenByDeleteMarkersAreTampered() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        Set<String> before = new HashSet<>(f.keys());
        f.export(RUN_AT.plus(Duration.ofDays(1)), false);
        List<String> newest = f.keys().stream().filter(k -> !before.contains(k)).toList();
        assertFalse(newest.isEmpty());

        // Object Lock allows a DeleteObject without a version id: it adds a delete marker and hides the key.
        for (String key : newest) {
            f.s3.deleteObject(r -> r.bucket(f.bucket).key(key));
        }

        Outcome outcome = verify(f, "", Optional.empty());
        assertEquals(Verdict.TAMPERED, outcome.result().verdict(), outcome.findings().toString());
        assertTrue(outcome.findings().stream().anyMatch(x -> x.text().contains("delete marker")),
                outcome.findings().toString());
        // Nor does the next run claim the hidden places again: it stops on them, before writing.
        List<String> keys = f.keys();
        ExportReport next = f.export(RUN_AT.plus(Duration.ofDays(2)), false);
        assertTrue(next.alarmed(), next.asMap().toString());
        assertTrue(next.warnings().get(0).contains("is hidden by a delete marker"), next.warnings().toString());
        assertEquals(keys, f.keys(), "nothing written");
    }

    @Test
    void aChainEndingBeforeTheHeadTheExportPublishedIsCutShort() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        ExportReport report = f.export(RUN_AT, false);
        assertEquals(ExportedTable.ALL.size() * 2, report.chainHead(), "the head the run publishes");

        Outcome published = verify(f, OptionalLong.of(report.chainHead()));
        Outcome beyond = verify(f, OptionalLong.of(report.chainHead() + 2));

        assertEquals(Verdict.INTACT, published.result().verdict(), published.findings().toString());
        assertEquals(Verdict.TAMPERED, beyond.result().verdict());
        assertEquals(List.of("the chain ends at 14 but the export published 16: links 15..16 are gone"),
                beyond.findings().stream().map(Finding::text).toList());
    }

    @Test
    void rowsDatedToTheEpochAndTodayCostAHandfulOfManifestsNotOnePerEmptyDay() {
        ExportFixture f = new ExportFixture(true);
        f.db.admin("INSERT INTO audit.audit_events VALUES ('zero', '1970-01-01 00:00:00', 'hub', NULL, "
                + "'session_event', NULL), ('today', '" + DAY_2 + " 10:00:00', 'hub', NULL, 'session_event', NULL)");

        ExportReport report = run(auditOnly(f, f.s3), RUN_AT, within(Duration.ofSeconds(60)));

        assertTrue(report.complete(), report.asMap().toString());
        assertTrue(f.manifests().size() <= 5, f.manifests().size() + " manifests");
        assertEquals(0, run(auditOnly(f, f.s3), RUN_AT, within(Duration.ofSeconds(60))).daysExported(),
                "the next run finds everything exported");
        assertEquals(Verdict.INTACT, verify(f, "", Optional.of(f.db.dataSource())).result().verdict());
        // A row replayed into a day of the empty run, long after: verify names it, as on any exported day.
        f.db.admin("INSERT INTO audit.audit_events VALUES ('replayed', '1999-06-01 12:00:00', 'hub', NULL, "
                + "'session_event', NULL)");
        Outcome replayed = verify(f, "", Optional.of(f.db.dataSource()));
        assertEquals(List.of("audit.audit_events 1999-06-01: event_id=replayed time_stamp=1999-06-01T12:00:00.000000Z "
                + "added since export"), replayed.findings().stream().filter(x -> x.kind() == Finding.Kind.ADDED)
                .map(Finding::text).toList());
    }

    @Test
    void theFirstDayPostgresHoldsAndTheLastParquetHoldsRoundTripThroughTheChainAndLaterRowsNeverStallIt() {
        ExportFixture f = new ExportFixture(true);
        // 4713 BC is PostgreSQL's first year (-4712 as ISO counts); Parquet's microseconds end on 294247-01-10,
        // PostgreSQL's timestamps in 294276 AD.
        f.db.admin("INSERT INTO audit.audit_events VALUES ('first', '4713-01-01 00:00:00 BC', 'hub', NULL, "
                + "'session_event', NULL), ('last', '294247-01-09 23:59:59.999999', 'hub', NULL, 'session_event', "
                + "NULL), ('beyond', '294276-12-31 23:59:59.999999', 'hub', NULL, 'session_event', NULL)");
        Instant afterTheLast = Instant.parse("+294277-01-01T03:00:00Z");

        ExportReport report = run(auditOnly(f, f.s3), afterTheLast, within(Duration.ofSeconds(60)));

        assertTrue(report.complete(), report.asMap().toString());
        Map<String, Long> rowsByDate = new TreeMap<>();
        f.manifests().forEach(m -> rowsByDate.merge(m.date(), m.rows(), Long::sum));
        assertEquals(1L, rowsByDate.get("-4712-01-01"), rowsByDate.toString());
        assertEquals(1L, rowsByDate.get("+294247-01-09"), rowsByDate.toString());
        assertEquals(3, f.manifests().size(), "the first day, the days between, the last day: " + rowsByDate);
        assertTrue(report.warnings().stream().anyMatch(w -> w.contains("1 row(s)")), report.warnings().toString());
        ExportReport next = run(auditOnly(f, f.s3), afterTheLast, within(Duration.ofSeconds(60)));
        assertEquals(0, next.daysExported() + next.addenda(), next.asMap().toString());
        Outcome outcome = verify(f, "", Optional.of(f.db.dataSource()));
        assertEquals(Verdict.INTACT, outcome.result().verdict(), outcome.findings().toString());
        assertEveryRowOnce(f, List.of(LocalDate.parse("-4712-01-01")), List.of(AUDIT));
    }

    @Test
    void rowsStoredAsInfinityNeverStallARunAndAreCountedInItsReport() {
        ExportFixture f = new ExportFixture(true);
        f.db.admin("INSERT INTO audit.audit_events VALUES ('minus', '-infinity', 'hub', NULL, 'session_event', "
                + "NULL), ('plus', 'infinity', 'hub', NULL, 'session_event', NULL), ('day', '" + DAY_1
                + " 10:00:00', 'hub', NULL, 'session_event', NULL)");

        ExportReport report = run(auditOnly(f, f.s3), RUN_AT, within(Duration.ofSeconds(60)));

        assertTrue(report.complete(), report.asMap().toString());
        assertTrue(report.warnings().stream().anyMatch(w -> w.contains("audit.audit_events")
                && w.contains("2 row(s)") && w.contains("infinity")), report.warnings().toString());
        assertEveryRowOnce(f, List.of(DAY_1), List.of(AUDIT));
        try (java.sql.Connection c = f.db.dataSource().getConnection()) {
            Map<String, Long> undated = UndatedRows.count(c);
            assertEquals(Map.of("audit.audit_events", 2L), undated, "doctor names them");
            assertTrue(UndatedRows.describe(undated).startsWith("! rows in no day: audit.audit_events 2 row(s)"),
                    UndatedRows.describe(undated));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- helpers

    record Outcome(Verifier.Result result, List<Finding> findings) {
    }

    static Outcome verify(ExportFixture f, String prefix, Optional<javax.sql.DataSource> database) {
        return verify(f, prefix, database, OptionalLong.empty());
    }

    static Outcome verify(ExportFixture f, OptionalLong expectedHead) {
        return verify(f, "", Optional.empty(), expectedHead);
    }

    static Outcome verify(ExportFixture f, String prefix, Optional<javax.sql.DataSource> database,
                          OptionalLong expectedHead) {
        List<Finding> findings = new ArrayList<>();
        Verifier.Result result = new Verifier(f.s3, f.bucket, new ExportLayout(prefix),
                PublicKeys.fromKms(f.kms, f.keyId), database, expectedHead).verify(new Verifier.Progress() {
                    @Override
                    public void step(String stage, int done, int total) {
                    }

                    @Override
                    public void finding(Finding finding) {
                        findings.add(finding);
                    }
                });
        return new Outcome(result, findings);
    }

    private static Exporter auditOnly(ExportFixture f, S3Client s3) {
        return new Exporter(s3, new ManifestSigner(f.kms, f.keyId), f.db.dataSource(), new Exporter.Settings(
                f.bucket, new ExportLayout(""), Duration.ofHours(2), false, Optional.empty(), List.of(AUDIT)));
    }

    private static ExportReport run(Exporter exporter, Instant at, LongSupplier remaining) {
        try {
            return exporter.run(at, remaining);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An invocation's time left: the run stops for want of time rather than run on. */
    private static LongSupplier within(Duration budget) {
        long until = System.currentTimeMillis() + budget.toMillis() + Exporter.DAY_MARGIN.toMillis();
        return () -> until - System.currentTimeMillis();
    }

    /**
     * Each table's rows of each day, as the signed manifests count them and as DuckDB reads them through the Athena
     * index (exactly the files it lists), equal PostgreSQL's: every row once.
     */
    private static void assertEveryRowOnce(ExportFixture f, List<LocalDate> days, List<ExportedTable> tables) {
        List<Manifest> manifests = f.manifests();
        for (ExportedTable table : tables) {
            for (LocalDate day : days) {
                List<Manifest> parts = manifests.stream().filter(m -> m.table().equals(table.name())
                        && m.date().equals(day.toString())).toList();
                List<Object[]> database = f.databaseRows(table, day);
                assertEquals(database.size(), parts.stream().mapToLong(Manifest::rows).sum(), table.name() + " " + day);
                List<Object[]> indexed = f.readIndexed(table, day, ExportTest.types(parts.get(0)),
                        ExportTest.names(parts.get(0)));
                assertEquals(sorted(database), sorted(indexed), table.name() + " " + day + " through the index");
            }
        }
    }

    private static List<String> sorted(List<Object[]> rows) {
        return rows.stream().map(java.util.Arrays::toString).sorted().toList();
    }
}
