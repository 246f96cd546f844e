package uk.gov.ida.eventrecorder.export;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.testing.ExportFixture;
import uk.gov.ida.eventrecorder.verification.Finding;
import uk.gov.ida.eventrecorder.verification.Verdict;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.RUN_AT;

/**
 * The export's proof against what an adversary tried: two runs overlapping so that a late row commits between their
 * snapshots, and a manifest's copy replaced by a new version. Links are held back by an interceptor on each run's S3
 * client, the only way to make the interleaving happen on demand.
 */
class OverlappingRunsAndForgedCopiesTest {
    private static final ExportedTable AUDIT = ExportedTable.named("audit.audit_events");

    private static Exporter auditOnly(ExportFixture f, S3Client s3) {
        return new Exporter(s3, new ManifestSigner(f.kms, f.keyId), f.db.dataSource(), new Exporter.Settings(
                f.bucket, new ExportLayout(""), Duration.ofHours(2), false, Optional.empty(), List.of(AUDIT)));
    }

    /** A client that stops before its n-th link PUT (n counted from 1) until released, saying when it got there. */
    private static S3Client holdingLinks(ExportFixture f, List<CountDownLatch> arrived, List<CountDownLatch> release) {
        AtomicInteger links = new AtomicInteger();
        return f.moto.s3(ClientOverrideConfiguration.builder().addExecutionInterceptor(new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof PutObjectRequest put && put.key().startsWith("_chain/")) {
                    int n = links.incrementAndGet();
                    if (n <= arrived.size()) {
                        arrived.get(n - 1).countDown();
                        try {
                            release.get(n - 1).await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            }
        }).build());
    }

    private static void insertLate(ExportFixture f, String id, String time) {
        f.db.admin("INSERT INTO audit.audit_events VALUES ('" + id + "', '" + DAY_1 + " " + time + "', 'hub', NULL, "
                + "'session_event', NULL)");
    }

    private static long exportedRows(ExportFixture f) {
        return f.manifests().stream().filter(m -> m.table().equals(AUDIT.name()) && m.date().equals(DAY_1.toString()))
                .mapToLong(Manifest::rows).sum();
    }

    @Test
    void aLateRowCommittedBetweenTwoOverlappingRunsIsExportedByTheRunThatSawIt() throws Exception {
        // Given an exported day that gains a row, and two runs: A takes its snapshot, a second late row commits,
        // then B takes its own
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        Instant next = RUN_AT.plus(Duration.ofDays(1));
        insertLate(f, "late-0", "15:00:00");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<CountDownLatch> aAt = List.of(new CountDownLatch(1), new CountDownLatch(1));
            List<CountDownLatch> aGo = List.of(new CountDownLatch(1), new CountDownLatch(1));
            List<CountDownLatch> bAt = List.of(new CountDownLatch(1));
            List<CountDownLatch> bGo = List.of(new CountDownLatch(1));
            S3Client aS3 = holdingLinks(f, aAt, aGo);
            S3Client bS3 = holdingLinks(f, bAt, bGo);
            Future<ExportReport> a = threads.submit(() -> auditOnly(f, aS3).run(next, () -> Long.MAX_VALUE));
            assertTrue(aAt.get(0).await(60, TimeUnit.SECONDS), "A reached its first link");
            insertLate(f, "late-1", "16:00:00");
            Future<ExportReport> b = threads.submit(() -> auditOnly(f, bS3).run(next, () -> Long.MAX_VALUE));
            assertTrue(bAt.get(0).await(60, TimeUnit.SECONDS), "B reached its first link");

            // When A claims the day's addendum (late-0 only), and B, holding both late rows, loses that place
            aGo.get(0).countDown();
            assertTrue(aAt.get(1).await(60, TimeUnit.SECONDS), "A reached its second link");
            bGo.get(0).countDown();
            b.get(60, TimeUnit.SECONDS);
            aGo.get(1).countDown();
            a.get(60, TimeUnit.SECONDS);
            auditOnly(f, f.s3).run(next.plus(Duration.ofDays(1)), () -> Long.MAX_VALUE);
        } finally {
            threads.shutdownNow();
        }

        // Then every row of the day is in its parts, and verify finds nothing amiss (the losing run's objects are
        // named, as notes: listed by nothing, read by no table)
        assertEquals(f.databaseRows(AUDIT, DAY_1).size(), exportedRows(f), "rows of " + DAY_1 + " exported");
        ExportChainTest.Outcome verified = ExportChainTest.verify(f, "", Optional.of(f.db.dataSource()),
                OptionalLong.empty());
        assertEquals(List.of(), verified.findings().stream().filter(x -> x.kind() != Finding.Kind.NOTE).toList());
        assertEquals(Verdict.INTACT, verified.result().verdict());
    }

    @Test
    void aManifestCopyReplacedByANewVersionMisleadsNoRunAndVerifyNamesIt() throws Exception {
        // Given a day's manifest copy replaced by a version whose snapshot says every later row was seen already
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        String copy = f.keys().stream().filter(k -> k.startsWith("_manifests/") && k.contains("_audit_events_"
                + ExportFixture.DAY_2 + "_000")).findFirst().orElseThrow();
        String body = new String(f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(copy)).asByteArray(),
                StandardCharsets.UTF_8);
        f.s3.putObject(r -> r.bucket(f.bucket).key(copy), RequestBody.fromString(
                body.replaceFirst("\"snapshot\":\"[^\"]*\"", "\"snapshot\":\"4000000000:4000000000:\"")));

        // When a row arrives late on an exported day and two are deleted from it, and the export runs
        insertLate(f, "late-hidden", "15:00:00");
        f.db.admin("DELETE FROM audit.audit_events WHERE event_id = 'ev-2-" + DAY_1 + "'");
        ExportReport report = auditOnly(f, f.s3).run(RUN_AT.plus(Duration.ofDays(1)), () -> Long.MAX_VALUE);

        // Then the run read the manifest its key signed: the late row is an addendum, the deletion a warning
        assertEquals(1, report.addenda(), report.asMap().toString());
        assertTrue(report.warnings().stream().anyMatch(w -> w.contains("2 deleted since export")),
                report.warnings().toString());
        // and verify names the replaced copy
        ExportChainTest.Outcome verified = ExportChainTest.verify(f, "", Optional.empty(), OptionalLong.empty());
        assertEquals(Verdict.TAMPERED, verified.result().verdict());
        assertTrue(verified.findings().stream().anyMatch(x -> x.kind() == Finding.Kind.TAMPERED
                && x.text().contains(copy)), verified.findings().toString());
    }
}
