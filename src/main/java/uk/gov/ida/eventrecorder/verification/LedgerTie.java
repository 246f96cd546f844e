package uk.gov.ida.eventrecorder.verification;

import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.export.ExportedRows;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.LedgerCoverage;
import uk.gov.ida.eventrecorder.export.TableColumns;
import uk.gov.ida.eventrecorder.ledger.Checkpoint;
import uk.gov.ida.eventrecorder.ledger.LeafEntry;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The tie between the signed manifests and the verified ledger (the auditor's guide, "The ledger and the export").
 * For each manifest that names a checkpoint: that checkpoint is the ledger's, with the size and root the manifest
 * says; its rows are tied to the newest checkpoint its export's snapshot already held (the one it names, or a later
 * one made and in the bucket {@link ExportedAt#CLOCK_SKEW} before its {@code exportedAt}, or whose transactions its
 * snapshot had all seen finish); every row whose latest leaf within that checkpoint is on one of the manifest's days
 * is in the day's exported parts (this one and those before it), with the row hash of one of its leaves; and the
 * part's rows that no leaf of the whole verified ledger holds are no more than the rows the manifest says were
 * recorded before the ledger began or after its checkpoint. Row hashes are recomputed from the Parquet objects
 * ({@link RowDigest#rowHash}).
 */
final class LedgerTie {
    /** Keys named per manifest and kind of finding; beyond it a count. */
    static final int KEYS_NAMED = 10;

    private final S3Client s3;
    private final String bucket;
    private final LedgerVerifier.Verified ledger;
    private final LedgerVerifier.Findings findings;
    private final Function<Long, Instant> written;
    /** The verified checkpoints by when they were made (their signed time). */
    private final CheckpointTimeline made;
    /** By when they were both made and in the bucket: the later of the two. */
    private final CheckpointTimeline published;
    /** By when their objects were written to the bucket (S3's clock, as a manifest's link is dated). */
    private final CheckpointTimeline inBucket;
    /** The checkpoints' snapshots as parsed, by sequence; null for one that does not parse. */
    private final LedgerCoverage.Snapshot[] snapshots;

    /**
     * @param written when each checkpoint's object was written to the bucket, by sequence: S3's LastModified of the
     *                version the ledger wrote, which no writer chooses
     */
    LedgerTie(S3Client s3, String bucket, LedgerVerifier.Verified ledger, LedgerVerifier.Findings findings,
              Function<Long, Instant> written) {
        this.s3 = s3;
        this.bucket = bucket;
        this.ledger = ledger;
        this.findings = findings;
        this.written = written;
        Instant[] madeAt = new Instant[ledger.checkpoints().size()];
        Instant[] publishedAt = new Instant[madeAt.length];
        Instant[] writtenAt = new Instant[madeAt.length];
        snapshots = new LedgerCoverage.Snapshot[madeAt.length];
        for (Checkpoint c : ledger.checkpoints().values()) {
            int s = (int) c.sequence();
            madeAt[s] = c.time();
            writtenAt[s] = written.apply(c.sequence());
            publishedAt[s] = writtenAt[s].isAfter(c.time()) ? writtenAt[s] : c.time();
            snapshots[s] = snapshot(ledger.snapshots().get(c.sequence()));
        }
        this.made = new CheckpointTimeline(madeAt);
        this.published = new CheckpointTimeline(publishedAt);
        this.inBucket = new CheckpointTimeline(writtenAt);
    }

    /** One part's rows as exported: key (canonical text) to row hash. */
    private final Map<Long, Map<List<String>, byte[]>> partRows = new HashMap<>();

    /**
     * @param manifests every manifest the chain holds intact, in chain order
     * @param keyOf     a manifest's key, as findings name it
     * @param writtenOf when a manifest's link was written to the bucket (S3's LastModified of its first version)
     */
    void tie(List<Manifest> manifests, Function<Manifest, String> keyOf, Function<Manifest, Instant> writtenOf,
             Progress progress) throws IOException {
        Map<String, List<Manifest>> byTable = new LinkedHashMap<>();
        for (Manifest m : manifests) {
            byTable.computeIfAbsent(m.table(), t -> new ArrayList<>()).add(m);
        }
        int tied = 0;
        int total = (int) manifests.stream().filter(m -> m.ledger() != null).count();
        for (List<Manifest> table : byTable.values()) {
            for (Manifest m : table) {
                if (m.ledger() == null) {
                    continue;
                }
                progress.step(tied++, total);
                tie(m, table, keyOf.apply(m), writtenOf.apply(m));
            }
            partRows.clear(); // one table's rows at a time
        }
        progress.step(tied, total);
    }

    /** Progress through the manifests that name a checkpoint. */
    interface Progress {
        void step(int done, int total);
    }

    private void tie(Manifest m, List<Manifest> table, String manifestKey, Instant manifestWritten)
            throws IOException {
        Manifest.Ledger named = m.ledger();
        Checkpoint checkpoint = ledger.checkpoints().get(named.sequence());
        if (checkpoint == null) {
            findings.tampered("manifest " + manifestKey + " names checkpoint " + named.sequence() + ", which the "
                    + "verified ledger does not hold (" + (ledger.isEmpty() ? "it holds none"
                    : "it ends at checkpoint " + ledger.checkpoints().lastKey()) + "): its rows cannot be tied to the "
                    + "ledger");
            return;
        }
        if (checkpoint.size() != named.size() || !HexFormat.of().formatHex(checkpoint.root()).equals(named.root())) {
            findings.tampered("manifest " + manifestKey + " names checkpoint " + named.sequence() + " with size "
                    + named.size() + " and another root than the ledger's (size " + checkpoint.size() + ")");
            return;
        }
        Checkpoint tiedTo = seen(m, checkpoint, manifestKey, manifestWritten);
        ExportedTable exported = ExportedTable.named(m.table());
        boolean changesUntilFinal = !exported.finalState().isEmpty();
        List<String> missing = new ArrayList<>();
        List<String> altered = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        List<String> revisedRows = new ArrayList<>();
        for (Map.Entry<LocalDate, Set<List<String>>> day : ledger.days().getOrDefault(m.table(),
                new java.util.TreeMap<>()).subMap(m.day(), true, m.throughDay(), true).entrySet()) {
            String date = day.getKey().toString();
            Map<List<String>, byte[]> rows = dayRows(m, table, day.getKey());
            for (List<String> key : day.getValue()) {
                List<LedgerVerifier.Leaf> leaves = ledger.leavesOf(m.table(), key);
                LedgerVerifier.Leaf latest = latestBefore(leaves, tiedTo.size());
                if (latest == null || !latest.day().equals(date)) {
                    continue;
                }
                byte[] hash = rows.get(key);
                if (latest.kind() == LeafEntry.Kind.REMOVED) {
                    // No function's role may DELETE from an exported table: a REMOVED leaf is the ledger noting a
                    // deletion, which it must not launder into "not expected in the export".
                    if (hash == null) {
                        deleted.add(changed(m, key, leaves, latest));
                    }
                    continue;
                }
                LedgerVerifier.Leaf revised = changesUntilFinal ? null : revisedToAnotherRow(leaves, tiedTo.size());
                if (revised != null) {
                    // Nor UPDATE a row of a table whose rows are final when recorded: a REVISED leaf with another row
                    // hash records an alteration, however faithfully the export then writes the altered row.
                    revisedRows.add(changed(m, key, leaves, revised));
                }
                if (hash == null) {
                    missing.add(describe(m, key, latest, leaves, date));
                } else if (!matchesALeaf(leaves, hash)) {
                    altered.add(describe(m, key, latest, leaves, date));
                }
            }
        }
        String why = changesUntilFinal ? " (" + m.table() + " rows change until final: the ledger may hold one the "
                + "export had not yet)" : "";
        name(changesUntilFinal, missing, manifestKey, ": in the ledger at checkpoint " + tiedTo.sequence()
                + " but in none of the day's exported parts: deleted before its export, or left out" + why);
        name(changesUntilFinal, altered, manifestKey, ": exported with a row hash none of its leaves holds: altered "
                + "before its export, or in it" + why);
        name(false, deleted, manifestKey, ": recorded by the ledger, then deleted before its export");
        name(false, revisedRows, manifestKey, ": recorded by the ledger, then altered (a REVISED leaf with another row "
                + "hash): no function's role may change a row of this table");
        long unmatched = 0;
        List<String> unmatchedKeys = new ArrayList<>();
        for (Map.Entry<List<String>, byte[]> row : rowsOf(m).entrySet()) {
            if (!matchesALeaf(ledger.leavesOf(m.table(), row.getKey()), row.getValue())) {
                if (unmatched++ < KEYS_NAMED) {
                    unmatchedKeys.add(keyText(m, row.getKey()));
                }
            }
        }
        long allowed = named.rowsBeforeLedger() + named.rowsAfterCheckpoint();
        if (unmatched > allowed) {
            findings.tampered("manifest " + manifestKey + ": " + unmatched + " exported row(s) have no leaf in the "
                    + "verified ledger, more than the " + allowed + " it says were recorded before the ledger began ("
                    + named.rowsBeforeLedger() + ") or after checkpoint " + named.sequence() + " ("
                    + named.rowsAfterCheckpoint() + "): rows the ledger never recorded (" + String.join(", ",
                    unmatchedKeys) + (unmatched > KEYS_NAMED ? ", …" : "") + ")");
        }
    }

    /**
     * The checkpoint the manifest's rows are tied to: the newest its export's snapshot already held, which is the one
     * it names or a later one. The export reads exportedAt, then takes its snapshot, then names the newest checkpoint
     * marked published in it; a checkpoint run commits a checkpoint, writes its object, then marks it. So a checkpoint
     * made and written to the bucket before exportedAt (less the clocks' skew) was committed before the snapshot,
     * marked or not, and every row it holds was in the snapshot; as was one whose transactions the export's snapshot
     * had all seen finish (pg_snapshot's own order, which no clock moves). An export that names an older one saw its
     * mark late (a run stopped between the write and the mark): a note, since its rows are then checked against the
     * newer one all the same, and any it lacks or that changed are findings of their own.
     */
    private Checkpoint seen(Manifest m, Checkpoint named, String manifestKey, Instant manifestWritten) {
        Optional<Instant> parsed = ExportedAt.of(m);
        if (parsed.isEmpty()) {
            findings.tampered("manifest " + manifestKey + "'s exportedAt is not an instant as the export writes it: "
                    + "whether its export could see a later checkpoint than checkpoint " + named.sequence()
                    + " cannot be checked");
            return named;
        }
        Instant exportedAt = parsed.get();
        Instant before = exportedAt.minus(ExportedAt.CLOCK_SKEW);
        String skew = "more than " + ExportedAt.CLOCK_SKEW.toMinutes() + " minutes before that export";
        String names = "manifest " + manifestKey + ", exported at " + exportedAt + ", names checkpoint "
                + named.sequence() + " (made at " + named.time() + ")";
        long byTime = published.newestBefore(before);
        long bySnapshot = heldBySnapshot(m, named.sequence(), manifestWritten);
        long tied = Math.max(named.sequence(), Math.max(byTime, bySnapshot));
        Checkpoint tiedTo = ledger.checkpoints().get(tied);
        if (tied > named.sequence()) {
            String why = tied == byTime ? " and written to the bucket at " + written.apply(tied) + ", " + skew
                    : ", and the export's snapshot had seen every transaction it holds finish";
            findings.note(names + "; checkpoint " + tied + " was made at " + tiedTo.time() + why + ": its export's "
                    + "snapshot held it, though not yet marked published (its mark came late), so its rows are tied to "
                    + "checkpoint " + tied + " here");
        }
        long madeBefore = made.newestBefore(before);
        if (madeBefore > tied) {
            findings.note(names + "; checkpoint " + madeBefore + " was made at " + ledger.checkpoints().get(madeBefore)
                    .time() + ", " + skew + ", but written to the bucket only at " + written.apply(madeBefore)
                    + ": its run stopped before writing it, and the export could not see it yet (or this bucket is a "
                    + "copy, whose objects bear the copy's times)");
        }
        long beforeManifest = inBucket.newestBefore(manifestWritten);
        Duration took = Duration.between(exportedAt, manifestWritten);
        if (beforeManifest > tied && took.compareTo(ExportedAt.EXPORT_FUNCTION_TIMEOUT.plus(ExportedAt.CLOCK_SKEW))
                > 0) {
            findings.note("manifest " + manifestKey + ", exported at " + exportedAt + ", was written to the bucket at "
                    + manifestWritten + ": by its own account its export ran " + ExportedAt.describe(took)
                    + ", longer than the export function may (" + ExportedAt.EXPORT_FUNCTION_TIMEOUT.toMinutes()
                    + " minutes); a command-line export, which has no time limit, or an exportedAt signed earlier "
                    + "than its export ran; checkpoint " + beforeManifest + ", in the bucket before it (at "
                    + written.apply(beforeManifest) + "), is not tied to its rows");
        }
        return tiedTo;
    }

    /**
     * The newest checkpoint after {@code named}, in the bucket before the manifest's link, whose transactions the
     * manifest's snapshot had all seen finish; -1 when none is (or the snapshot is no pg_snapshot). Only those in the
     * bucket by the link's second: a database restored from a logical dump gives out transaction ids again, and a
     * checkpoint of the restored database is written after every manifest of the one before.
     */
    private long heldBySnapshot(Manifest m, long named, Instant manifestWritten) {
        LedgerCoverage.Snapshot export = snapshot(m.snapshot());
        if (export == null) {
            return -1;
        }
        // S3 dates objects to the second: one written in the same second as the link counts as before it.
        Instant upTo = manifestWritten.plusSeconds(1);
        for (long s = inBucket.newestBefore(upTo); s > named; s--) {
            LedgerCoverage.Snapshot checkpoint = snapshots[(int) s];
            if (checkpoint != null && written.apply(s).isBefore(upTo) && export.seesAllOf(checkpoint)) {
                return s;
            }
        }
        return -1;
    }

    private static LedgerCoverage.Snapshot snapshot(String text) {
        try {
            return text == null ? null : LedgerCoverage.Snapshot.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void name(boolean asNote, List<String> keys, String manifestKey, String what) {
        for (int i = 0; i < Math.min(keys.size(), KEYS_NAMED); i++) {
            String text = "manifest " + manifestKey + ": " + keys.get(i) + what;
            finding(asNote, text);
        }
        if (keys.size() > KEYS_NAMED) {
            finding(asNote, "manifest " + manifestKey + ": and " + (keys.size() - KEYS_NAMED)
                    + " more row(s) like these");
        }
    }

    /** A finding on a table whose rows change until final is a note: the ledger may hold a state never exported. */
    private void finding(boolean asNote, String text) {
        if (asNote) {
            findings.note(text);
        } else {
            findings.tampered(text);
        }
    }

    private String describe(Manifest m, List<String> key, LedgerVerifier.Leaf latest,
                            List<LedgerVerifier.Leaf> leaves, String date) {
        LedgerVerifier.Leaf last = leaves.get(leaves.size() - 1);
        return m.table() + " " + date + " " + keyText(m, key) + " (leaf " + latest.position()
                + (last.position() > latest.position() ? "; its latest leaf, " + last.position() + ", is "
                + last.kind().name() : "") + ")";
    }

    /** The key as findings name it: {@code event_id=…} (identifiers, never the row's content). */
    private static String keyText(Manifest m, List<String> key) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < key.size(); i++) {
            s.append(i == 0 ? "" : " ").append(m.keyColumns().get(i)).append('=').append(key.get(i));
        }
        return s.toString();
    }

    /** The key's leaves before {@code changed}, and that leaf with its kind: what a deletion or alteration undid. */
    private String changed(Manifest m, List<String> key, List<LedgerVerifier.Leaf> leaves,
                           LedgerVerifier.Leaf changed) {
        StringBuilder before = new StringBuilder();
        for (LedgerVerifier.Leaf leaf : leaves) {
            if (leaf.position() < changed.position()) {
                before.append(before.length() == 0 ? "leaf " : ", ").append(leaf.position());
            }
        }
        return m.table() + " " + changed.day() + " " + keyText(m, key) + " (" + before
                + (before.length() == 0 ? "" : "; ") + "leaf " + changed.position() + " is " + changed.kind().name()
                + ")";
    }

    /** The first REVISED leaf before {@code size} whose row hash is not that of the key's leaf before it. */
    private static LedgerVerifier.Leaf revisedToAnotherRow(List<LedgerVerifier.Leaf> leaves, long size) {
        LedgerVerifier.Leaf previous = null;
        for (LedgerVerifier.Leaf leaf : leaves) {
            if (leaf.position() >= size) {
                break;
            }
            if (leaf.kind() == LeafEntry.Kind.REVISED && previous != null
                    && previous.kind() != LeafEntry.Kind.REMOVED && !Arrays.equals(previous.rowHash(),
                    leaf.rowHash())) {
                return leaf;
            }
            previous = leaf;
        }
        return null;
    }

    private static LedgerVerifier.Leaf latestBefore(List<LedgerVerifier.Leaf> leaves, long size) {
        LedgerVerifier.Leaf latest = null;
        for (LedgerVerifier.Leaf leaf : leaves) {
            if (leaf.position() < size) {
                latest = leaf;
            }
        }
        return latest;
    }

    private static boolean matchesALeaf(List<LedgerVerifier.Leaf> leaves, byte[] hash) {
        for (LedgerVerifier.Leaf leaf : leaves) {
            if (leaf.kind() != LeafEntry.Kind.REMOVED && Arrays.equals(leaf.rowHash(), hash)) {
                return true;
            }
        }
        return false;
    }

    /** A day's exported rows up to this manifest's part: its own and the day's earlier parts. */
    private Map<List<String>, byte[]> dayRows(Manifest m, List<Manifest> table, LocalDate day) throws IOException {
        Map<List<String>, byte[]> rows = new HashMap<>();
        for (Manifest part : table) {
            if (!part.day().isAfter(day) && !part.throughDay().isBefore(day) && part.part() <= m.part()) {
                rows.putAll(rowsOf(part));
            }
        }
        return rows;
    }

    private Map<List<String>, byte[]> rowsOf(Manifest part) throws IOException {
        Map<List<String>, byte[]> rows = partRows.get(part.sequence());
        if (rows != null) {
            return rows;
        }
        rows = new HashMap<>();
        if (part.rows() > 0) {
            TableColumns columns = TableColumns.of(part);
            RowDigest digest = new RowDigest(columns.types());
            try (ExportedRows exported = new ExportedRows(s3, bucket, List.of(part), columns)) {
                while (exported.hasNext()) {
                    Object[] row = exported.next();
                    rows.put(columns.canonicalKey(row), digest.rowHash(row));
                }
            }
        }
        partRows.put(part.sequence(), rows);
        return rows;
    }
}
