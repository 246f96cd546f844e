package uk.gov.ida.eventrecorder.export;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import uk.gov.ida.eventrecorder.digest.ChainLink;
import uk.gov.ida.eventrecorder.digest.ColumnType;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestChain;
import uk.gov.ida.eventrecorder.digest.ManifestSignature;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.testing.ExportFixture;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_1;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_2;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.DAY_3;
import static uk.gov.ida.eventrecorder.testing.ExportFixture.RUN_AT;

/** The daily export against real parts: PostgreSQL, moto's S3 (Object Lock) and KMS (Sign), DuckDB reading back. */
class ExportTest {
    @Test
    void eachSettledDayOfEveryTableIsParquetThatDuckDbReadsBackValueForValueInKeyOrder() {
        ExportFixture f = new ExportFixture(true);
        f.seed();

        f.export(RUN_AT, false);

        for (ExportedTable table : ExportedTable.ALL) {
            for (LocalDate day : List.of(DAY_1, DAY_2)) {
                Manifest manifest = manifestOf(f, table, day, 0);
                String key = manifest.objects().get(0).key();
                assertEquals(List.of(key), f.indexed(table.shortName(), day), "the index Athena reads names it");
                assertTrue(key.matches(table.shortName() + "/date=" + day + "/part-000-\\d{8}T\\d{6}Z-[0-9a-f]{6}"
                        + "\\.parquet"), key);
                List<ColumnType> types = types(manifest);
                List<Object[]> fromFile = ExportFixture.readWithDuckDb(List.of(f.download(key)), types, names(manifest));
                List<Object[]> fromDatabase = f.databaseRows(table, day);
                assertEquals(fromDatabase.size(), fromFile.size(), key);
                assertTrue(fromDatabase.size() > 0, key);
                for (int i = 0; i < fromFile.size(); i++) {
                    assertArrayEquals(fromDatabase.get(i), fromFile.get(i), key + " row " + i);
                }
                assertEquals(fromFile.size(), manifest.rows());
            }
            assertFalse(f.keys().stream().anyMatch(k -> k.contains("date=" + DAY_3)), "day 3 is not settled yet");
        }
    }

    @Test
    void timestampsAreMicrosecondsInUtcAndDetailsItsJsonTextAsAnotherReaderSeesThem() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);

        Path file = f.download(manifestOf(f, ExportedTable.named("audit_events"), DAY_1, 0).objects().get(0).key());
        List<String> schema = ExportFixture.parquetSchema(file);

        assertTrue(schema.stream().anyMatch(c -> c.startsWith("time_stamp INT64 TimestampType(isAdjustedToUTC=1")
                && c.contains("MICROS=MicroSeconds()")), schema.toString());
        assertTrue(schema.stream().anyMatch(c -> c.startsWith("details BYTE_ARRAY StringType")), schema.toString());
        List<Object[]> rows = ExportFixture.readWithDuckDb(List.of(file), List.of(ColumnType.TEXT,
                ColumnType.TIMESTAMP, ColumnType.JSON), List.of("event_id", "time_stamp", "details"));
        Object[] first = rows.get(0);
        assertEquals("ev,\"1\"-" + DAY_1, first[0], "text byte-wise first: ',' sorts before '-'");
        assertEquals(DAY_1 + "T10:00:00.123456Z", ColumnType.TIMESTAMP.canonical(first[1]));
        assertEquals("{\"n\": 1.50, \"text\": \"line\\nbreak, \\\"quoted\\\" \u00e9 \uD83D\uDE00\"}", first[2]);
        assertEquals(List.of("ev,\"1\"-" + DAY_1, "ev-2-" + DAY_1, "ev-2-" + DAY_1, "\u00e9v-3-" + DAY_1),
                rows.stream().map(r -> (String) r[0]).toList(), "key order: event_id byte-wise, then time_stamp");
        assertEquals("{}", rows.get(1)[2]);
        assertNull(rows.get(2)[2], "NULL stays NULL");
    }

    @Test
    void theRowDigestRecomputedFromTheFilesByDuckDbAndFromTheTablesBySqlAloneIsTheSignedOne() throws Exception {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);

        for (ExportedTable table : ExportedTable.ALL) {
            Manifest manifest = manifestOf(f, table, DAY_1, 0);
            RowDigest digest = new RowDigest(types(manifest));
            ExportFixture.readWithDuckDb(List.of(f.download(manifest.objects().get(0).key())), types(manifest),
                    names(manifest)).forEach(digest::add);
            assertEquals(manifest.rowsSha256(), digest.finish(), table.name());
        }
        // The auditor's guide's SQL, run by PostgreSQL alone: an auditor needs no code of ours to recompute a digest.
        Manifest audit = manifestOf(f, ExportedTable.named("audit_events"), DAY_1, 0);
        try (Connection c = f.db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(documentedDigestSql().replace(":from", "'" + DAY_1 + "'")
                     .replace(":to", "'" + DAY_2 + "'"))) {
            rs.next();
            assertEquals(audit.rowsSha256(), rs.getString(1));
        }
    }

    @Test
    void eachPlaceIsALinkHoldingItsManifestSignedByTheKmsKeyAndChainedToTheOneBefore() throws Exception {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        PublicKey publicKey = PublicKeys.fromKms(f.kms, f.keyId);
        ExportLayout layout = new ExportLayout("");

        List<Manifest> manifests = f.manifests();
        assertEquals(ExportedTable.ALL.size() * 2, manifests.size());
        Manifest.Link previous = null;
        for (int place = 1; place <= manifests.size(); place++) {
            String linkKey = layout.linkKey(place);
            ChainLink link = ChainLink.parse(f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(linkKey))
                    .asByteArray());
            byte[] bytes = link.manifestBytes();
            String sha = ManifestChain.sha256Hex(bytes);
            assertEquals(sha, link.manifestSha256(), linkKey);
            assertArrayEquals(bytes, f.s3.getObjectAsBytes(r -> r.bucket(f.bucket).key(link.manifestKey()))
                    .asByteArray(), "the copy is the link's manifest, byte for byte");
            Manifest m = Manifest.parse(bytes);
            assertEquals(place, m.sequence());
            assertEquals(previous, m.previous(), linkKey);
            ManifestSignature signature = new ManifestSignature(link.manifestKey(), sha, link.keyId(),
                    link.algorithm(), link.signature());
            assertTrue(PublicKeys.verifies(publicKey, signature, link.manifestKey(), sha), linkKey);
            assertEquals(null, link.fault(publicKey, place));
            assertFalse(PublicKeys.verifies(publicKey, signature, link.manifestKey(),
                    sha.replace('a', 'b').replace('0', '1')));
            previous = new Manifest.Link(link.manifestKey(), sha);
        }
    }

    @Test
    void aSecondRunWritesNothingNewAndALateEventBecomesAnAddendumLeavingTheEarlierFilesAsTheyWere() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        List<String> before = f.keys();
        String part0 = manifestOf(f, ExportedTable.named("audit_events"), DAY_1, 0).objects().get(0).key();
        String firstEtag = f.s3.headObject(r -> r.bucket(f.bucket).key(part0)).eTag();

        ExportReport again = f.export(RUN_AT.plusSeconds(1800), false);
        assertEquals(0, again.daysExported() + again.addenda());
        assertEquals(before, f.keys());

        f.db.admin("INSERT INTO audit.audit_events VALUES ('late-1', '" + DAY_1 + " 15:00:00', 'hub', 's', "
                + "'session_event', NULL)");
        ExportReport late = f.export(RUN_AT.plusSeconds(3000), false);

        assertEquals(1, late.addenda());
        assertEquals(1, late.rows());
        Manifest addendum = manifestOf(f, ExportedTable.named("audit_events"), DAY_1, 1);
        assertEquals(1, addendum.rows());
        List<Object[]> added = ExportFixture.readWithDuckDb(List.of(f.download(addendum.objects().get(0).key())),
                types(addendum), names(addendum));
        assertEquals("late-1", added.get(0)[0]);
        assertEquals(firstEtag, f.s3.headObject(r -> r.bucket(f.bucket).key(part0)).eTag(), "part 0 is untouched");
        // The day read as analysts read it, all parts together through the index: every row exactly once.
        List<Object[]> all = f.readIndexed(ExportedTable.named("audit_events"), DAY_1, types(addendum),
                names(addendum));
        assertEquals(f.databaseRows(ExportedTable.named("audit_events"), DAY_1).size(), all.size());
    }

    @Test
    void aRunOutOfTimeStopsBetweenDaysAndTheNextRunGoesOnWhereItStopped() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        AtomicInteger asked = new AtomicInteger();

        ExportReport cut = f.export(RUN_AT, false, () -> asked.incrementAndGet() <= 3 ? 600_000 : 10_000);

        assertFalse(cut.complete());
        assertEquals(3, cut.daysExported());
        assertEquals(3, f.manifests().size());
        ExportReport rest = f.export(RUN_AT, false);
        assertTrue(rest.complete());
        assertEquals(ExportedTable.ALL.size() * 2 - 3, rest.daysExported());
        List<Manifest> manifests = f.manifests();
        for (int i = 0; i < manifests.size(); i++) {
            assertEquals(i + 1, manifests.get(i).sequence(), "one chain, no gap");
        }
        assertEquals(manifests.size(), manifests.stream().map(m -> m.table() + m.date()).distinct().count(),
                "no day exported twice");
    }

    @Test
    void aDayGivenUpMidwayForWantOfTimePublishesNothingOfIt() throws Exception {
        ExportFixture f = new ExportFixture(true);
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 25_000; i++) {
            values.append(i == 0 ? "" : ",").append("('bulk-").append(i).append("', '").append(DAY_1)
                    .append(" 10:00:00', 'hub', NULL, 'session_event', NULL)");
        }
        f.db.admin("INSERT INTO audit.audit_events VALUES " + values);
        AtomicInteger asked = new AtomicInteger();

        ExportReport cut = f.export(RUN_AT, false, () -> asked.incrementAndGet() <= 1 ? 600_000 : 1_000);

        assertFalse(cut.complete());
        assertEquals("audit.audit_events " + DAY_1, cut.stoppedBefore());
        assertEquals(List.of(), f.keys(), "no object, no manifest");
        assertEquals(List.of(), f.s3.listMultipartUploads(r -> r.bucket(f.bucket)).uploads(),
                "no multipart upload left open");
        ExportReport rest = f.export(RUN_AT, false);
        assertEquals(25_000, rest.rows());
    }

    @Test
    void csvOnRequestHoldsTheSameRowsQuotedSoThatNullAndEmptyStayApart() throws Exception {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, true);

        Manifest manifest = manifestOf(f, ExportedTable.named("audit_events"), DAY_1, 0);
        assertEquals(List.of("parquet", "csv.gz"), manifest.objects().stream().map(Manifest.StoredObject::format)
                .toList());
        String csv;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(
                f.download(manifest.objects().get(1).key()))), StandardCharsets.UTF_8))) {
            csv = in.lines().collect(Collectors.joining("\n"));
        }
        assertTrue(csv.startsWith("\"event_id\",\"time_stamp\",\"originating_service\",\"session_id\","
                + "\"event_type\",\"details\""), csv);
        assertTrue(csv.contains("\"ev-2-" + DAY_1 + "\",\"" + DAY_1 + "T23:59:59.999999Z\",\"hub\",\"sess-1\","
                + "\"fraud_detected\",\n"), "NULL details: an empty field\n" + csv);
        assertTrue(csv.contains("\"" + DAY_1 + "T00:00:00.000000Z\",\"idp\",\"\","), "empty session id: \"\"\n" + csv);
        assertTrue(csv.contains("\"ev,\"\"1\"\"-" + DAY_1 + "\""), "quotes doubled\n" + csv);
    }

    @Test
    void theExportHoldsOnlyAccessShareLocksAndRecordingGoesOnWhileItRuns() throws Exception {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        S3Client held = f.moto.s3(ClientOverrideConfiguration.builder().addExecutionInterceptor(
                new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request().getClass().getSimpleName().equals("PutObjectRequest")
                                && writing.getCount() > 0) {
                            // A thin wrapper: holds the export mid-run, with its snapshot's transaction open.
                            writing.countDown();
                            try {
                                release.await(30, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                }).build());
        CompletableFuture<ExportReport> run = CompletableFuture.supplyAsync(() -> {
            try {
                return f.exporter(held, false).run(RUN_AT, () -> Long.MAX_VALUE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(writing.await(30, TimeUnit.SECONDS));
        List<String> modes = new ArrayList<>();
        try (Connection c = f.db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT DISTINCT l.mode FROM pg_locks l JOIN pg_stat_activity a "
                     + "ON a.pid = l.pid WHERE a.application_name = 'event-recorder-export' "
                     + "AND a.datname = current_database() "
                     + "AND l.locktype = 'relation'")) {
            while (rs.next()) {
                modes.add(rs.getString(1));
            }
        }
        // Recording meanwhile: an insert into a table the export is reading, and partition-like DDL on another.
        f.db.admin("SET lock_timeout = '2s'", "INSERT INTO audit.audit_events VALUES ('during-export', '"
                + DAY_1 + " 16:00:00', 'hub', NULL, 'session_event', NULL)");
        release.countDown();
        run.get(60, TimeUnit.SECONDS);

        assertEquals(List.of("AccessShareLock"), modes);
    }

    @Test
    void objectLockRefusesToDeleteWhatTheExportWrote() {
        ExportFixture f = new ExportFixture(true);
        f.seed();
        f.export(RUN_AT, false);
        String key = manifestOf(f, ExportedTable.named("audit_events"), DAY_1, 0).objects().get(0).key();
        String version = f.s3.headObject(r -> r.bucket(f.bucket).key(key)).versionId();

        S3Exception refused = assertThrows(S3Exception.class,
                () -> f.s3.deleteObject(r -> r.bucket(f.bucket).key(key).versionId(version)));

        assertEquals(403, refused.statusCode());
        assertTrue(f.keys().contains(key));
    }

    private static Manifest manifestOf(ExportFixture f, ExportedTable table, LocalDate day, int part) {
        return f.manifests().stream().filter(m -> m.table().equals(table.name()) && m.date().equals(day.toString())
                && m.part() == part).findFirst().orElseThrow(() -> new AssertionError("no manifest of "
                + table.name() + " " + day + " part " + part));
    }

    static List<ColumnType> types(Manifest m) {
        return m.columns().stream().map(c -> ColumnType.valueOf(c.type().toUpperCase(java.util.Locale.ROOT))).toList();
    }

    static List<String> names(Manifest m) {
        return m.columns().stream().map(Manifest.Column::name).toList();
    }

    /** The SQL block of docs/export-and-verification.md that recomputes audit.audit_events' row digest in PostgreSQL alone. */
    static String documentedDigestSql() throws java.io.IOException {
        String guide = Files.readString(Path.of("docs", "export-and-verification.md"));
        int start = guide.indexOf("<!-- row digest: audit.audit_events -->");
        assertTrue(start >= 0, "the auditor's guide shows the row digest in SQL");
        int open = guide.indexOf("```sql", start) + "```sql".length();
        return guide.substring(open, guide.indexOf("```", open));
    }
}
