package uk.gov.ida.eventrecorder.verification;

import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestChain;
import uk.gov.ida.eventrecorder.digest.ChainLink;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.export.ChangedDays;
import uk.gov.ida.eventrecorder.export.ExportedRows;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.Exporter;
import uk.gov.ida.eventrecorder.export.RowComparison;
import uk.gov.ida.eventrecorder.export.TableRows;
import uk.gov.ida.eventrecorder.ledger.LedgerLayout;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.Set;

/**
 * The auditor's check of an export bucket, after {@code aws cloudtrail validate-logs}: every version of every object
 * under the prefix (a delete marker hides a locked version from a plain listing: it is named), every link in order
 * (its signature, its manifest's hash, its place, its predecessor), each manifest copy and Athena index against its
 * link, every object's size and SHA-256, and no object that the chain does not account for (an interrupted run's
 * data objects are notes); the chain's end against the head the export published, when given; and, given the
 * database, each exported day recomputed from the live tables. It only reads: the bucket and the tables.
 */
public final class Verifier {
    /** Rows named per table and day; beyond it a finding says how many more. */
    static final int ROWS_NAMED_PER_DAY = 100;

    /** What the command shows as it goes. */
    public interface Progress {
        void step(String stage, int done, int total);

        void finding(Finding finding);
    }

    /**
     * The outcome: the verdict and what was checked.
     *
     * @param checkpoints the ledger's checkpoints that hold together, from sequence 0
     * @param ledgerSize  the tree size of the last of them
     */
    public record Result(Verdict verdict, int manifests, int objects, int daysAgainstDatabase, long tampered,
                         long rowsAdded, long notes, String couldNotCheck, int checkpoints, long ledgerSize) {
    }

    private static final java.time.Duration LONG_READ = java.time.Duration.ofMinutes(15);

    private final S3Client s3;
    private final String bucket;
    private final ExportLayout layout;
    private final PublicKey publicKey;
    private final Optional<DataSource> database;
    private final OptionalLong expectedHead;
    private final OptionalLong expectedLedgerSize;
    private final Set<String> badDays = new HashSet<>();
    /** The ledger's checkpoint objects under the prefix, by the sequence their key names. */
    private final TreeMap<Long, String> checkpointKeys = new TreeMap<>();
    private final Map<String, Stored> stored = new HashMap<>();
    private LedgerVerifier.Verified ledger = LedgerVerifier.Verified.none();
    private long tampered;
    private long added;
    private long notes;

    public Verifier(S3Client s3, String bucket, ExportLayout layout, PublicKey publicKey,
                    Optional<DataSource> database) {
        this(s3, bucket, layout, publicKey, database, OptionalLong.empty());
    }

    /** @param expectedHead the chain's last place the export published (ExportChainHead): a chain ending before it is cut */
    public Verifier(S3Client s3, String bucket, ExportLayout layout, PublicKey publicKey,
                    Optional<DataSource> database, OptionalLong expectedHead) {
        this(s3, bucket, layout, publicKey, database, expectedHead, OptionalLong.empty());
    }

    /**
     * @param expectedLedgerSize the ledger's tree size published outside the bucket (LedgerTreeSize): a ledger that
     *                           ends before it was cut short
     */
    public Verifier(S3Client s3, String bucket, ExportLayout layout, PublicKey publicKey,
                    Optional<DataSource> database, OptionalLong expectedHead, OptionalLong expectedLedgerSize) {
        this.expectedHead = expectedHead;
        this.expectedLedgerSize = expectedLedgerSize;
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.publicKey = publicKey;
        this.database = database;
    }

    public Result verify(Progress progress) {
        List<Manifest> good = new ArrayList<>();
        int[] counts = new int[3];
        try {
            checkBucket(progress, good, counts);
            checkLedger(progress, good);
            if (database.isPresent()) {
                counts[2] = checkDatabase(progress, good);
            }
        } catch (NothingToVerify e) {
            progress.finding(new Finding(Finding.Kind.UNCHECKED, e.getMessage()));
            return new Result(tampered > 0 ? Verdict.TAMPERED : Verdict.COULD_NOT_CHECK, counts[0], counts[1],
                    counts[2], tampered, added, notes, e.getMessage(), ledger.checkpoints().size(), ledger.size());
        } catch (S3Exception | SQLException | IOException | UncheckedIOException | IllegalStateException e) {
            String why = e instanceof S3Exception s ? "S3 answered " + s.statusCode() + " "
                    + (s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode())
                    : e instanceof SQLException q ? "the database failed (SQLSTATE " + q.getSQLState() + ")"
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            progress.finding(new Finding(Finding.Kind.UNCHECKED, why));
            return new Result(tampered > 0 ? Verdict.TAMPERED : Verdict.COULD_NOT_CHECK, counts[0], counts[1],
                    counts[2], tampered, added, notes, why, ledger.checkpoints().size(), ledger.size());
        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
            String why = "S3 or KMS could not be reached (" + e.getClass().getSimpleName() + ")";
            progress.finding(new Finding(Finding.Kind.UNCHECKED, why));
            return new Result(Verdict.COULD_NOT_CHECK, counts[0], counts[1], counts[2], tampered, added, notes, why,
                    ledger.checkpoints().size(), ledger.size());
        }
        return new Result(tampered > 0 ? Verdict.TAMPERED : Verdict.INTACT, counts[0], counts[1], counts[2],
                tampered, added, notes, null, ledger.checkpoints().size(), ledger.size());
    }

    private void tampered(Progress progress, String text) {
        tampered++;
        progress.finding(new Finding(Finding.Kind.TAMPERED, text));
    }

    /**
     * One stored version of a key: the one the export wrote (the oldest: it writes each key once), and when S3 says it
     * was written.
     */
    private record Stored(String versionId, long size, Instant written) {
    }

    /** Nothing under the prefix to verify: a wrong bucket or prefix, not an intact export. */
    private static final class NothingToVerify extends RuntimeException {
        NothingToVerify(String message) {
            super(message, null, false, false);
        }
    }

    private void checkBucket(Progress progress, List<Manifest> good, int[] counts) {
        // Every version, not the current objects only: a delete marker hides a locked version from a plain listing,
        // and Object Lock allows it (DeleteObject without a version id).
        Map<String, List<ObjectVersion>> versions = new TreeMap<>();
        Map<String, DeleteMarkerEntry> markers = new TreeMap<>();
        for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(r -> r.bucket(bucket)
                .prefix(layout.prefix()))) {
            for (ObjectVersion v : page.versions()) {
                versions.computeIfAbsent(v.key(), k -> new ArrayList<>()).add(v);
            }
            for (DeleteMarkerEntry d : page.deleteMarkers()) {
                markers.merge(d.key(), d, (a, b) -> a.lastModified().isAfter(b.lastModified()) ? a : b);
            }
        }
        markers.forEach((key, marker) -> tampered(progress, key + " is hidden by a delete marker at "
                + marker.lastModified() + ": whoever could delete in the bucket hid it (its locked version is read "
                + "here all the same)"));
        Map<String, Stored> objects = new HashMap<>();
        TreeMap<Long, String> links = new TreeMap<>();
        versions.forEach((key, all) -> {
            // S3 lists a key's versions newest first: the last is the one the export wrote.
            ObjectVersion oldest = all.get(all.size() - 1);
            if (all.size() > 1) {
                tampered(progress, key + " has " + all.size() + " versions: replaced since the export wrote it "
                        + "(the first is checked)");
            }
            objects.put(key, new Stored(oldest.versionId(), oldest.size(), oldest.lastModified()));
            layout.parseLinkKey(key).ifPresent(place -> links.put(place, key));
            LedgerLayout.parseCheckpointKey(layout.prefix(), key).ifPresent(sequence -> checkpointKeys.put(sequence,
                    key));
        });
        stored.putAll(objects);
        if (links.isEmpty() && checkpointKeys.isEmpty()) {
            throw new NothingToVerify("nothing to verify under s3://" + bucket + "/" + layout.prefix()
                    + ": check --bucket and --prefix");
        }
        Set<String> accounted = new HashSet<>(checkpointKeys.values());
        long expected = 1;
        Manifest.Link previous = null;
        Instant previousExportedAt = null;
        int done = 0;
        for (Map.Entry<Long, String> entry : links.entrySet()) {
            progress.step("links", done++, links.size());
            counts[0]++;
            long place = entry.getKey();
            String linkKey = entry.getValue();
            accounted.add(linkKey);
            if (place != expected) {
                tampered(progress, "link" + (place - expected > 1 ? "s " + expected + " to " : " ") + (place - 1)
                        + " missing from the chain (deleted, or never written) before " + linkKey);
                previous = null;
            }
            expected = place + 1;
            ChainLink link;
            try {
                link = ChainLink.parse(read(linkKey, objects.get(linkKey)));
            } catch (IOException e) {
                tampered(progress, "link " + linkKey + " does not parse as an " + Manifest.FORMAT + " link");
                previous = null;
                continue;
            }
            String fault = link.fault(publicKey, place);
            if (fault != null) {
                tampered(progress, "link " + linkKey + " is not the export's: " + fault);
            }
            Manifest manifest;
            try {
                manifest = Manifest.parse(link.manifestBytes());
            } catch (IOException | RuntimeException e) {
                previous = new Manifest.Link(link.manifestKey(), link.manifestSha256());
                continue;
            }
            String manifestKey = layout.manifestKey(place, ManifestChain.shortName(manifest.table()), manifest.day(),
                    manifest.throughDay(), manifest.part()).key();
            accounted.add(link.manifestKey());
            boolean intact = fault == null;
            if (!manifestKey.equals(link.manifestKey())) {
                tampered(progress, "link " + linkKey + " names its manifest " + link.manifestKey() + ", not "
                        + manifestKey);
                intact = false;
            }
            Optional<Instant> exportedAt = ExportedAt.of(manifest);
            if (exportedAt.isPresent()) {
                intact &= checkExportedAt(progress, manifestKey, manifest, exportedAt.get(), previousExportedAt);
                previousExportedAt = exportedAt.get();
            }
            if (previous != null && !previous.equals(manifest.previous())) {
                tampered(progress, "link " + linkKey + " does not follow the link before it: that one was replaced");
                intact = false;
            } else if (place == 1 && manifest.previous() != null) {
                tampered(progress, "link " + linkKey + " is first but names a predecessor");
                intact = false;
            }
            Stored copy = objects.get(link.manifestKey());
            if (copy == null) {
                note(progress, "manifest " + link.manifestKey() + " (the copy of link " + linkKey + ") is missing: "
                        + "left by an interrupted export run, which the next run completes from the link");
            } else if (!java.util.Arrays.equals(read(link.manifestKey(), copy), link.manifestBytes())) {
                tampered(progress, "manifest " + link.manifestKey() + " is not the manifest its link " + linkKey
                        + " signs: altered");
                intact = false;
            }
            List<String> parquet = new ArrayList<>();
            for (Manifest.StoredObject object : manifest.objects()) {
                accounted.add(object.key());
                counts[1]++;
                intact &= checkObject(progress, link.manifestKey(), object, objects.get(object.key()));
                if (object.format().equals("parquet")) {
                    parquet.add(object.key());
                }
            }
            if (!parquet.isEmpty()) {
                String indexKey = layout.indexKey(ManifestChain.shortName(manifest.table()), manifest.day(),
                        manifest.part());
                accounted.add(indexKey);
                Stored index = objects.get(indexKey);
                if (index == null) {
                    note(progress, "index " + indexKey + " is missing: left by an interrupted export run, which the "
                            + "next run completes; until then Athena does not read " + link.manifestKey() + "'s rows");
                } else if (!java.util.Arrays.equals(read(indexKey, index), ManifestChain.index(bucket, parquet))) {
                    tampered(progress, "index " + indexKey + " is not what " + link.manifestKey() + " lists: Athena "
                            + "reads other objects than those signed");
                    intact = false;
                }
            }
            if (intact) {
                good.add(manifest);
            } else {
                badDays.add(manifest.table() + " " + manifest.date());
            }
            previous = new Manifest.Link(link.manifestKey(), link.manifestSha256());
        }
        progress.step("links", done, links.size());
        long last = links.isEmpty() ? 0 : links.lastKey();
        if (expectedHead.isPresent() && expectedHead.getAsLong() > last) {
            tampered(progress, "the chain ends at " + last + " but the export published " + expectedHead.getAsLong()
                    + ": links " + (last + 1) + ".." + expectedHead.getAsLong() + " are gone");
        }
        for (String key : objects.keySet()) {
            if (accounted.contains(key)) {
                continue;
            }
            if (layout.isDataObject(key)) {
                note(progress, "object " + key + " is listed by no manifest: left by an export run that stopped, or "
                        + "lost its place to another; no table reads it (the Glue tables read the _athena index); "
                        + "nothing to do");
            } else {
                tampered(progress, "object " + key + " is not the export's: no link of the chain accounts for it");
            }
        }
    }

    /**
     * A manifest's exportedAt against what its signer does not choose: the days it covers, which the export writes only
     * once ended (and settled) by the exportedAt it signs; and the manifest before it in the chain, whose run an
     * earlier exportedAt overlapped (a command-line export beside the function's) or was signed back past.
     */
    private boolean checkExportedAt(Progress progress, String manifestKey, Manifest manifest, Instant exportedAt,
                                    Instant previousExportedAt) {
        Optional<Instant> dayEnd = ExportedAt.dayEndAfter(manifest, exportedAt);
        if (dayEnd.isPresent()) {
            tampered(progress, "manifest " + manifestKey + " covers days through " + manifest.through() + " but is "
                    + "exported at " + exportedAt + ", before that day ended (" + dayEnd.get() + "): an export writes "
                    + "only days that ended before its exportedAt, so this one is not when it ran");
            return false;
        }
        if (previousExportedAt != null && exportedAt.isBefore(previousExportedAt.minus(ExportedAt.CLOCK_SKEW))) {
            note(progress, "manifest " + manifestKey + " is exported at " + exportedAt + ", " + ExportedAt.describe(
                    java.time.Duration.between(exportedAt, previousExportedAt)) + " before the manifest before it in "
                    + "the chain (exported at " + previousExportedAt + "): its run overlapped that one's (a "
                    + "command-line export beside the function's), or its exportedAt was signed earlier than it ran");
        }
        return true;
    }

    /**
     * The ledger's checkpoints, then the tie between them and every intact manifest that names one. A manifest that
     * names a checkpoint where the bucket holds no ledger is named by the tie.
     */
    private void checkLedger(Progress progress, List<Manifest> good) throws IOException {
        LedgerVerifier.Findings findings = new LedgerVerifier.Findings() {
            @Override
            public void tampered(String text) {
                Verifier.this.tampered(progress, text);
            }

            @Override
            public void unchecked(String text) {
                progress.finding(new Finding(Finding.Kind.UNCHECKED, text));
            }

            @Override
            public void note(String text) {
                Verifier.this.note(progress, text);
            }
        };
        ledger = new LedgerVerifier(publicKey, findings).verify(checkpointKeys, key -> read(key, stored.get(key)),
                expectedLedgerSize, (done, total) -> progress.step("checkpoints", done, total));
        new LedgerTie(s3, bucket, ledger, findings, sequence -> stored.get(checkpointKeys.get(sequence)).written())
                .tie(good, m -> layout.manifestKey(m.sequence(), ManifestChain.shortName(m.table()), m.day(),
                        m.throughDay(), m.part()).key(), m -> stored.get(layout.linkKey(m.sequence())).written(),
                        (done, total) -> progress.step("manifests against the ledger", done, total));
    }

    private void note(Progress progress, String text) {
        notes++;
        progress.finding(new Finding(Finding.Kind.NOTE, text));
    }

    private byte[] read(String key, Stored stored) {
        try {
            return s3.getObjectAsBytes(r -> version(r.bucket(bucket).key(key), stored)).asByteArray();
        } catch (NoSuchKeyException e) {
            return new byte[0];
        }
    }

    /** The version read: the export's, also when a delete marker or a later version hides it. */
    private static GetObjectRequest.Builder version(GetObjectRequest.Builder request, Stored stored) {
        return stored == null || stored.versionId() == null || stored.versionId().equals("null") ? request
                : request.versionId(stored.versionId());
    }

    private boolean checkObject(Progress progress, String manifestKey, Manifest.StoredObject object, Stored stored) {
        if (stored == null) {
            tampered(progress, "object " + object.key() + " (listed by " + manifestKey + ") is missing: deleted");
            return false;
        }
        MessageDigest sha = RowDigest.sha256();
        long read = 0;
        try (InputStream in = s3.getObject(r -> version(r.bucket(bucket).key(object.key()), stored),
                ResponseTransformer.toInputStream())) {
            byte[] chunk = new byte[256 * 1024];
            for (int n; (n = in.read(chunk)) > 0; ) {
                sha.update(chunk, 0, n);
                read += n;
            }
        } catch (NoSuchKeyException e) {
            tampered(progress, "object " + object.key() + " (listed by " + manifestKey + ") is missing: deleted");
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (read != object.size() || !HexFormat.of().formatHex(sha.digest()).equals(object.sha256())) {
            tampered(progress, "object " + object.key() + " is not what " + manifestKey + " lists (size " + read
                    + ", listed " + object.size() + "; SHA-256 differs): replaced or altered");
            return false;
        }
        return true;
    }

    /** One table's day, as the database is checked: the manifests that hold its rows (none: it should have none). */
    private record TableDay(ExportedTable table, LocalDate date) {
        @Override
        public String toString() {
            return table.name() + " " + date;
        }
    }

    private int checkDatabase(Progress progress, List<Manifest> manifests) throws SQLException, IOException {
        Map<TableDay, List<Manifest>> days = new LinkedHashMap<>();
        List<Manifest> emptyRuns = new ArrayList<>();
        for (Manifest m : manifests) {
            if (badDays.contains(m.table() + " " + m.date())) {
                continue; // its files are already named as tampered: rows compared with them would say nothing more
            }
            days.computeIfAbsent(new TableDay(ExportedTable.named(m.table()), m.day()), k -> new ArrayList<>()).add(m);
            if (!m.through().equals(m.date())) {
                emptyRuns.add(m);
            }
        }
        int done = 0;
        try (Connection c = database.orElseThrow().getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            // A day of millions of rows sorts before its first row arrives: longer than the pool's read bound.
            c.setNetworkTimeout(Runnable::run, (int) LONG_READ.toMillis());
            try {
                // A run of days exported without rows: one query says which of its days have rows now; each such
                // day is checked as any other (its rows were added since, unless an addendum holds them).
                for (Manifest run : emptyRuns) {
                    ExportedTable table = ExportedTable.named(run.table());
                    for (LocalDate day : Exporter.dayCounts(c, table, run.day().plusDays(1),
                            run.throughDay().plusDays(1)).keySet()) {
                        days.computeIfAbsent(new TableDay(table, day), k -> new ArrayList<>());
                    }
                }
                Map<ExportedTable, LastRun> lastRuns = lastRuns(c, manifests);
                for (Map.Entry<TableDay, List<Manifest>> day : days.entrySet()) {
                    progress.step("days against the database", done++, days.size());
                    checkDay(c, progress, day.getKey(), day.getValue(), lastRuns.get(day.getKey().table()));
                }
            } finally {
                c.rollback();
            }
        }
        progress.step("days against the database", done, days.size());
        return days.size();
    }

    /**
     * A table's latest part 0: every row its run's snapshot could see should be in the exported parts, except on the
     * days the next run compares again (rows it could not see, changes noted since), where it will write what is new.
     */
    private record LastRun(String snapshot, java.util.Set<LocalDate> comparedAgain) {
    }

    private static Map<ExportedTable, LastRun> lastRuns(Connection c, List<Manifest> manifests) throws SQLException {
        Map<ExportedTable, LastRun> runs = new HashMap<>();
        Map<String, Manifest> latest = new HashMap<>();
        for (Manifest m : manifests) {
            if (m.part() == 0) {
                latest.merge(m.table(), m, (a, b) -> a.sequence() > b.sequence() ? a : b);
            }
        }
        for (Manifest m : latest.values()) {
            ExportedTable table = ExportedTable.named(m.table());
            runs.put(table, new LastRun(m.snapshot(), ChangedDays.since(c, table, m.snapshot())));
        }
        return runs;
    }

    private void checkDay(Connection c, Progress progress, TableDay tableDay, List<Manifest> parts, LastRun lastRun)
            throws SQLException, IOException {
        String what = tableDay.toString();
        ExportedTable table = tableDay.table();
        LocalDate date = tableDay.date();
        if (parts.size() == 1) {
            Manifest first = parts.get(0);
            // The usual case, and cheap: one digest over the day's rows, compared with the signed one.
            try (TableRows rows = new TableRows(c, table, date)) {
                RowDigest digest = new RowDigest(rows.columns().types());
                for (Object[] row = rows.next(); row != null; row = rows.next()) {
                    digest.add(row);
                }
                if (digest.rows() == first.rows() && digest.finish().equals(first.rowsSha256())) {
                    return;
                }
            }
        }
        Map<String, long[]> named = new HashMap<>();
        long[] day = new long[3]; // equal, altered, added
        try (TableRows rows = new TableRows(c, table, date);
             ExportedRows exported = new ExportedRows(s3, bucket, parts, rows.columns())) {
            day[0] = RowComparison.compare(rows, exported, new RowComparison.Differences() {
                @Override
                public void added(Object[] databaseRow, long dayMicros) {
                    added++;
                    day[2]++;
                    name(Finding.Kind.ADDED, rows.columns().describeKey(databaseRow) + " added since export");
                }

                @Override
                public void altered(Object[] exportedRow, Object[] databaseRow) {
                    tampered++;
                    day[1]++;
                    name(Finding.Kind.TAMPERED, rows.columns().describeKey(databaseRow) + " altered since export");
                }

                @Override
                public void deleted(Object[] exportedRow) {
                    tampered++;
                    name(Finding.Kind.TAMPERED, rows.columns().describeKey(exportedRow) + " deleted since export");
                }

                private void name(Finding.Kind kind, String text) {
                    long[] n = named.computeIfAbsent(kind.name(), k -> new long[1]);
                    if (n[0]++ < ROWS_NAMED_PER_DAY) {
                        progress.finding(new Finding(kind, what + ": " + text));
                    }
                }
            });
        }
        named.forEach((kind, n) -> {
            if (n[0] > ROWS_NAMED_PER_DAY) {
                progress.finding(new Finding(Finding.Kind.valueOf(kind), what + ": and " + (n[0] - ROWS_NAMED_PER_DAY)
                        + " more row(s) like these"));
            }
        });
        if (day[2] > 0 && lastRun != null && !lastRun.comparedAgain().contains(date)) {
            // Rows added since export are late rows the next run writes, unless its last run could already see them:
            // then no run will (their recorded_xid was set by hand, or they were changed with the triggers off).
            long hidden = seenRows(c, table, date, lastRun.snapshot()) - day[0] - day[1];
            if (hidden > 0) {
                tampered += hidden;
                added -= hidden;
                progress.finding(new Finding(Finding.Kind.TAMPERED, what + ": " + hidden + " row(s) added since "
                        + "export were recorded before the export's last run could see them, yet are in none of the "
                        + "day's parts: no run will export them (a recorded_xid set by hand, or a change made with the "
                        + "tables' triggers off)"));
            }
        }
    }

    private static long seenRows(Connection c, ExportedTable table, LocalDate date, String snapshot)
            throws SQLException {
        try (java.sql.PreparedStatement s = c.prepareStatement(table.seenRowsQuery())) {
            s.setObject(1, date.atStartOfDay());
            s.setObject(2, date.plusDays(1).atStartOfDay());
            s.setString(3, snapshot);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
