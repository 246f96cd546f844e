package uk.gov.ida.eventrecorder.export;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.store.DatabaseCircuit;
import uk.gov.ida.eventrecorder.testing.ExportFixture;
import uk.gov.ida.eventrecorder.upload.FraudRow;
import uk.gov.ida.eventrecorder.upload.FraudUploadRepository;
import uk.gov.ida.eventrecorder.verification.Finding;
import uk.gov.ida.eventrecorder.verification.Verdict;
import uk.gov.ida.eventrecorder.verification.Verifier;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_2;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.RUN_AT;

/**
 * Rows that reach a day after it was exported, at any age, and changes the export itself must report: PostgreSQL,
 * moto's S3 and KMS, DuckDB reading the addenda back, and the auditor's {@code verify --against-database}.
 */
class LateRowsTest {
    private static final ExportedTable AUDIT = ExportedTable.named("audit_events");
    private static final ExportedTable FRAUD = ExportedTable.named("idp_fraud_events");
    private static final ExportedTable SESSIONS = ExportedTable.named("upload_sessions");

    @Test
    void aRowRecordedUnderATransactionTheExportHadSeenIsNamedByVerifyAsOneNoRunWillExport() throws Exception {
        // Given exported days, then a row someone with the owner's rights dated on the first of them with a
        // recorded_xid the last run had already seen (1), and a true late row on the second, not yet exported
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        f.db.admin("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, session_id, event_type, "
                        + "details, recorded_xid) VALUES ('hidden', '" + DAY_1 + " 15:00:00', 'hub', NULL, "
                        + "'session_event', NULL, 1)",
                "INSERT INTO audit.audit_events VALUES ('late', '" + ExportFixture.DAY_2 + " 15:00:00', 'hub', NULL, "
                        + "'session_event', NULL)");

        // When the export runs (it finds the late row's day, not the hidden row's), then one more row arrives late
        // on the second day, and verify --against-database runs before the next export
        f.export(RUN_AT.plusSeconds(3600), false);
        f.db.admin("INSERT INTO audit.audit_events VALUES ('late-2', '" + ExportFixture.DAY_2 + " 16:00:00', 'hub', "
                + "NULL, 'session_event', NULL)");
        ExportChainTest.Outcome verified = verify(f);

        // Then the hidden row is tampering, the pending late row only added; the exported late row is not named
        assertEquals(Verdict.TAMPERED, verified.result().verdict(), verified.findings().toString());
        assertEquals(1, verified.result().tampered(), verified.findings().toString());
        assertTrue(verified.findings().stream().anyMatch(x -> x.kind() == Finding.Kind.TAMPERED
                && x.text().contains("1 row(s) added since export were recorded before")), verified.findings()
                .toString());
        assertEquals(List.of(), verified.findings().stream().filter(x -> x.text().contains("event_id=late,")).toList());
    }

    @Test
    void fraudRowsDatedMonthsBeforeTheirUploadReachAnAddendumInTheNextRunAndVerifyFindsNothingAdded()
            throws Exception {
        // Given days exported long ago, and forty more days exported since
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        Instant later = RUN_AT.plus(Duration.ofDays(40));
        f.export(later, false);

        // When an identity provider uploads fraud events of the first day, and the export runs again
        FraudUploadRepository uploads = new FraudUploadRepository(f.db.dataSource(), new DatabaseCircuit(
                Duration.ofSeconds(1)));
        long session = uploads.claim("upload/idp-a/late.csv@v1", "late.csv", "idp-a", "alice").id();
        uploads.finish(session, "idp-a", List.of(new FraudRow(2, DAY_1.atTime(7, 30), "late-ev", "F9",
                Map.of("Z9", 1), 4, "req-9", "192.0.2.9", "pid-9")), List.of());
        ExportReport report = f.export(later.plusSeconds(3600), false);

        // Then the day gains an addendum holding that event alone, and the database holds nothing the export lacks
        Manifest addendum = manifestOf(f, FRAUD, DAY_1, 1);
        assertEquals(1, addendum.rows());
        List<Object[]> rows = ExportFixture.readWithDuckDb(List.of(f.download(addendum.objects().get(0).key())),
                ExportTest.types(addendum), ExportTest.names(addendum));
        assertEquals("late-ev", rows.get(0)[ExportTest.names(addendum).indexOf("idp_event_id")]);
        assertEquals(1, manifestOf(f, ExportedTable.named("idp_fraud_event_contraindicators"), DAY_1, 1).rows());
        assertEquals(List.of(), report.warnings());
        ExportChainTest.Outcome verified = verify(f);
        assertEquals(List.of(), verified.findings(), "nothing added, altered or deleted since export");
        assertEquals(Verdict.INTACT, verified.result().verdict());
    }

    @Test
    void aDeleteAndAnInsertOnOneDayExportTheNewRowAndWarnOfTheDeletedOneByTableDayAndCount() {
        // Given an exported day
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);

        // When one of its rows is deleted and another inserted: the day's count is what it was
        f.db.admin("DELETE FROM audit.audit_events WHERE event_id = 'ev-2-" + DAY_1 + "' AND time_stamp = '"
                        + DAY_1 + " 00:00:00'",
                "INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, session_id, event_type, "
                        + "details) VALUES ('swapped-in', '" + DAY_1 + " 16:00:00', 'hub', 's', 'session_event', "
                        + "'{\"secret\": \"content\"}')");
        ExportReport report = f.export(RUN_AT.plusSeconds(3600), false);

        // Then the new row is an addendum, and the run warns of the deleted one without a word of its content
        Manifest addendum = manifestOf(f, AUDIT, DAY_1, 1);
        assertEquals(1, addendum.rows());
        List<Object[]> rows = ExportFixture.readWithDuckDb(List.of(f.download(addendum.objects().get(0).key())),
                ExportTest.types(addendum), ExportTest.names(addendum));
        assertEquals("swapped-in", rows.get(0)[0]);
        assertEquals(List.of("audit.audit_events " + DAY_1 + ": 0 row(s) altered and 1 deleted since export "
                + "(verify --against-database names them)"), report.warnings());
    }

    @Test
    void anUpdatedRowOnADayWithoutNewRowsIsAWarningOfTheExportItself() {
        // Given an exported day
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);

        // When a row of it is updated, and nothing is added
        f.db.admin("UPDATE billing.billing_events SET idp_entity_id = 'idp-z' WHERE event_id = 'bill-" + DAY_2 + "'");
        ExportReport report = f.export(RUN_AT.plusSeconds(3600), false);

        // Then no addendum, and a warning naming the table, the day and the count
        assertEquals(0, report.addenda());
        assertEquals(List.of("billing.billing_events " + DAY_2 + ": 1 row(s) altered and 0 deleted since export "
                + "(verify --against-database names them)"), report.warnings());
        // ...once: the next run has nothing new to say about that day
        assertEquals(List.of(), f.export(RUN_AT.plus(Duration.ofDays(1)), false).warnings());
    }

    @Test
    void aRowWhoseTransactionWasStillOpenWhenARunTookItsSnapshotReachesTheNextRunOnce() throws Exception {
        // Given an exported day, and an insert into it whose transaction is open while the export runs
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        try (Connection open = f.db.dataSource().getConnection()) {
            open.setAutoCommit(false);
            try (Statement s = open.createStatement()) {
                s.execute("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type) "
                        + "VALUES ('slow-1', '" + DAY_1 + " 17:00:00', 'hub', 'session_event')");
            }
            f.db.admin("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type) "
                    + "VALUES ('quick-1', '" + DAY_1 + " 18:00:00', 'hub', 'session_event')");
            assertEquals(1, f.export(RUN_AT.plusSeconds(600), false).rows(), "the committed row only");
            open.commit();
        }

        // When the export runs again, and again
        ExportReport next = f.export(RUN_AT.plusSeconds(1200), false);
        ExportReport after = f.export(RUN_AT.plusSeconds(1800), false);

        // Then the row whose transaction was open is in the next addendum, and no row is exported twice
        assertEquals(1, next.rows());
        Manifest second = manifestOf(f, AUDIT, DAY_1, 2);
        assertEquals("slow-1", ExportFixture.readWithDuckDb(List.of(f.download(second.objects().get(0).key())),
                ExportTest.types(second), ExportTest.names(second)).get(0)[0]);
        assertEquals(0, after.addenda());
        assertEquals(f.databaseRows(AUDIT, DAY_1).size(), manifestsOf(f, AUDIT, DAY_1).stream()
                .mapToLong(Manifest::rows).sum());
    }

    @Test
    void aRunOutOfTimeAmongTheLateDaysLeavesTheRestToTheNextRun() {
        // Given two exported days that have each gained a row
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        for (LocalDate day : List.of(DAY_1, DAY_2)) {
            f.db.admin("INSERT INTO audit.audit_events (event_id, time_stamp, originating_service, event_type) "
                    + "VALUES ('late-" + day + "', '" + day + " 19:00:00', 'hub', 'session_event')");
        }

        // When a run has time for the first day's addendum only, and the next run has time for everything
        AtomicInteger asked = new AtomicInteger();
        ExportReport cut = f.export(RUN_AT.plusSeconds(600), false,
                () -> asked.incrementAndGet() <= 1 ? 600_000 : 10_000);
        ExportReport next = f.export(RUN_AT.plusSeconds(1200), false);

        // Then the first run wrote the first day's addendum, and the next the second's: its addendum (a part 1) said
        // nothing about the days it did not reach
        assertEquals(1, cut.addenda());
        assertEquals(1, manifestOf(f, AUDIT, DAY_1, 1).rows());
        assertEquals(1, next.addenda());
        assertEquals(1, manifestOf(f, AUDIT, DAY_2, 1).rows());
        assertEquals(List.of(), next.warnings());
    }

    @Test
    void anUploadFinishedAfterAnExportIsExportedOnlyFinishedByTheNextRunAndVerifiesIntact() throws Exception {
        // Given an upload whose session is claimed (unfinished) on a day that is settled when the export runs
        ExportFixture f = new ExportFixture(true);
        f.seed();
        FraudUploadRepository uploads = new FraudUploadRepository(f.db.dataSource(), new DatabaseCircuit(
                Duration.ofSeconds(1)));
        long session = uploads.claim("upload/idp-a/slow.csv@v1", "slow.csv", "idp-a", "alice").id();
        LocalDate claimed = LocalDateTime.now(ZoneOffset.UTC).toLocalDate();
        Instant settled = claimed.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).plus(Duration.ofHours(3));

        // When the export runs between the claim and the finish
        ExportReport between = f.export(settled, false);

        // Then nothing of that session is exported (its day is in a run of days without rows), and nothing is amiss
        assertEquals(0, part0Covering(f, SESSIONS, claimed).rows());
        assertEquals(List.of(), between.warnings());

        // When the import finishes (its validation failed: the session and its failures), and the export runs again
        uploads.finish(session, "idp-a", List.of(), List.of(
                new uk.gov.ida.eventrecorder.upload.ValidationFailure(2, "pid", "is required")));
        ExportReport next = f.export(settled.plusSeconds(3600), false);

        // Then the finished session and its failure are an addendum, without warning, and verify finds it intact
        assertEquals(List.of(), next.warnings());
        assertEquals(1, manifestOf(f, SESSIONS, claimed, 1).rows());
        assertEquals(1, manifestOf(f, ExportedTable.named("upload_session_validation_failures"), claimed, 1).rows());
        ExportChainTest.Outcome verified = verify(f);
        assertEquals(List.of(), verified.findings());
        assertEquals(Verdict.INTACT, verified.result().verdict());
    }

    /** verify --against-database, as the auditor runs it. */
    private static ExportChainTest.Outcome verify(ExportFixture f) {
        return ExportChainTest.verify(f, "", Optional.of(f.db.dataSource()), OptionalLong.empty());
    }

    private static List<Manifest> manifestsOf(ExportFixture f, ExportedTable table, LocalDate day) {
        return f.manifests().stream().filter(m -> m.table().equals(table.name()) && m.date().equals(day.toString()))
                .toList();
    }

    /** The part 0 that covers the day: its own, or a run of days without rows that holds it. */
    private static Manifest part0Covering(ExportFixture f, ExportedTable table, LocalDate day) {
        List<Manifest> covering = f.manifests().stream().filter(m -> m.table().equals(table.name()) && m.part() == 0
                && !m.day().isAfter(day) && !m.throughDay().isBefore(day)).toList();
        assertEquals(1, covering.size(), table.name() + " " + day + ": the part 0 manifests covering it");
        return covering.get(0);
    }

    private static Manifest manifestOf(ExportFixture f, ExportedTable table, LocalDate day, int part) {
        List<Manifest> parts = manifestsOf(f, table, day).stream().filter(m -> m.part() == part).toList();
        assertTrue(parts.size() == 1, table.name() + " " + day + " part " + part + ": " + parts.size()
                + " manifest(s)");
        return parts.get(0);
    }
}
