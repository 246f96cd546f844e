package uk.gov.ida.eventrecorder.verification;

import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestChain;
import uk.gov.ida.eventrecorder.digest.ManifestSignature;
import uk.gov.ida.eventrecorder.digest.PublicKeys;
import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.export.ExportedRows;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.RowComparison;
import uk.gov.ida.eventrecorder.export.TableRows;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The auditor's check of an export bucket, after {@code aws cloudtrail validate-logs}: every manifest's signature,
 * the chain's continuity, every object's size and SHA-256, no object that no manifest lists; and, given the database,
 * each exported day recomputed from the live tables. It only reads: the bucket and the tables.
 */
public final class Verifier {
    /** Rows named per table and day; beyond it a finding says how many more. */
    static final int ROWS_NAMED_PER_DAY = 100;

    /** What the command shows as it goes. */
    public interface Progress {
        void step(String stage, int done, int total);

        void finding(Finding finding);
    }

    /** The outcome: the verdict and what was checked. */
    public record Result(Verdict verdict, int manifests, int objects, int daysAgainstDatabase, long tampered,
                         long rowsAdded, String couldNotCheck) {
    }

    private static final java.time.Duration LONG_READ = java.time.Duration.ofMinutes(15);

    private final S3Client s3;
    private final String bucket;
    private final ExportLayout layout;
    private final PublicKey publicKey;
    private final Optional<DataSource> database;
    private final Set<String> badDays = new HashSet<>();
    private long tampered;
    private long added;

    public Verifier(S3Client s3, String bucket, ExportLayout layout, PublicKey publicKey,
                    Optional<DataSource> database) {
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
            if (database.isPresent()) {
                counts[2] = checkDatabase(progress, good);
            }
        } catch (S3Exception | SQLException | IOException | UncheckedIOException | IllegalStateException e) {
            String why = e instanceof S3Exception s ? "S3 answered " + s.statusCode() + " "
                    + (s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode())
                    : e instanceof SQLException q ? "the database failed (SQLSTATE " + q.getSQLState() + ")"
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            progress.finding(new Finding(Finding.Kind.UNCHECKED, why));
            return new Result(tampered > 0 ? Verdict.TAMPERED : Verdict.COULD_NOT_CHECK, counts[0], counts[1],
                    counts[2], tampered, added, why);
        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
            String why = "S3 or KMS could not be reached (" + e.getClass().getSimpleName() + ")";
            progress.finding(new Finding(Finding.Kind.UNCHECKED, why));
            return new Result(Verdict.COULD_NOT_CHECK, counts[0], counts[1], counts[2], tampered, added, why);
        }
        return new Result(tampered > 0 ? Verdict.TAMPERED : Verdict.INTACT, counts[0], counts[1], counts[2],
                tampered, added, null);
    }

    private void tampered(Progress progress, String text) {
        tampered++;
        progress.finding(new Finding(Finding.Kind.TAMPERED, text));
    }

    private void checkBucket(Progress progress, List<Manifest> good, int[] counts) throws IOException {
        Map<Long, ExportLayout.ManifestKey> manifests = new java.util.TreeMap<>();
        Set<String> signatures = new HashSet<>();
        Map<String, Long> objects = new LinkedHashMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(layout.prefix())).contents()) {
            Optional<ExportLayout.ManifestKey> manifest = layout.parseManifestKey(o.key());
            if (manifest.isPresent()) {
                if (manifests.put(manifest.get().sequence(), manifest.get()) != null) {
                    tampered(progress, "two manifests claim place " + manifest.get().sequence() + " in the chain");
                }
            } else if (o.key().endsWith(".json.sig") && o.key().startsWith(layout.manifestsPrefix())) {
                signatures.add(o.key());
            } else {
                objects.put(o.key(), o.size());
            }
        }
        Set<String> listed = new HashSet<>();
        long expected = 1;
        Manifest.Link previous = null;
        int done = 0;
        for (ExportLayout.ManifestKey key : manifests.values()) {
            progress.step("manifests", done++, manifests.size());
            counts[0]++;
            if (key.sequence() != expected) {
                tampered(progress, "manifest" + (key.sequence() - expected > 1 ? "s " + expected + " to " : " ")
                        + (key.sequence() - 1) + " missing from the chain (deleted or never written) before "
                        + key.key());
                previous = null;
            }
            expected = key.sequence() + 1;
            byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key.key())).asByteArray();
            String sha = ManifestChain.sha256Hex(bytes);
            Manifest manifest;
            try {
                manifest = Manifest.parse(bytes);
            } catch (IOException e) {
                tampered(progress, "manifest " + key.key() + " does not parse as a manifest");
                previous = new Manifest.Link(key.key(), sha);
                continue;
            }
            boolean intact = true;
            if (manifest.sequence() != key.sequence() || !ManifestChain.shortName(manifest.table()).equals(key.table())
                    || !manifest.date().equals(key.date().toString()) || manifest.part() != key.part()) {
                tampered(progress, "manifest " + key.key() + " says it is another: place " + manifest.sequence()
                        + ", " + manifest.table() + " " + manifest.date() + " part " + manifest.part());
                intact = false;
            }
            if (previous != null && !previous.equals(manifest.previous())) {
                tampered(progress, "manifest " + key.key() + " does not follow " + previous.key()
                        + ": the manifest before it was replaced");
                intact = false;
            } else if (key.sequence() == 1 && manifest.previous() != null) {
                tampered(progress, "manifest " + key.key() + " is first but names a predecessor");
                intact = false;
            }
            intact &= checkSignature(progress, key.key(), sha, signatures);
            for (Manifest.StoredObject object : manifest.objects()) {
                listed.add(object.key());
                counts[1]++;
                intact &= checkObject(progress, key.key(), object, objects.get(object.key()));
            }
            if (intact) {
                good.add(manifest);
            } else {
                badDays.add(manifest.table() + " " + manifest.date());
            }
            previous = new Manifest.Link(key.key(), sha);
        }
        progress.step("manifests", done, manifests.size());
        for (String key : objects.keySet()) {
            if (!listed.contains(key)) {
                tampered(progress, "object " + key + " is listed by no manifest (added, or left by an export that "
                        + "stopped before its manifest); readers of the folder see it");
            }
        }
    }

    private boolean checkSignature(Progress progress, String manifestKey, String sha, Set<String> signatures)
            throws IOException {
        String signatureKey = ExportLayout.signatureKey(manifestKey);
        if (!signatures.contains(signatureKey)) {
            tampered(progress, "manifest " + manifestKey + " has no signature (" + signatureKey + " is missing)");
            return false;
        }
        ManifestSignature signature;
        try {
            signature = ManifestSignature.parse(s3.getObjectAsBytes(r -> r.bucket(bucket).key(signatureKey))
                    .asByteArray());
        } catch (IOException e) {
            tampered(progress, "signature " + signatureKey + " does not parse");
            return false;
        }
        if (!PublicKeys.verifies(publicKey, signature, manifestKey, sha)) {
            tampered(progress, "manifest " + manifestKey + " does not match its signature: the manifest was "
                    + "altered, or signed by another key");
            return false;
        }
        return true;
    }

    private boolean checkObject(Progress progress, String manifestKey, Manifest.StoredObject object, Long size) {
        if (size == null) {
            tampered(progress, "object " + object.key() + " (listed by " + manifestKey + ") is missing: deleted");
            return false;
        }
        MessageDigest sha = RowDigest.sha256();
        long read = 0;
        try (InputStream in = s3.getObject(r -> r.bucket(bucket).key(object.key()), ResponseTransformer.toInputStream())) {
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

    private int checkDatabase(Progress progress, List<Manifest> manifests) throws SQLException, IOException {
        Map<String, List<Manifest>> days = new LinkedHashMap<>();
        for (Manifest m : manifests) {
            if (badDays.contains(m.table() + " " + m.date())) {
                continue; // its files are already named as tampered: rows compared with them would say nothing more
            }
            days.computeIfAbsent(m.table() + " " + m.date(), k -> new ArrayList<>()).add(m);
        }
        int done = 0;
        try (Connection c = database.orElseThrow().getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            // A day of millions of rows sorts before its first row arrives: longer than the pool's read bound.
            c.setNetworkTimeout(Runnable::run, (int) LONG_READ.toMillis());
            try {
                for (Map.Entry<String, List<Manifest>> day : days.entrySet()) {
                    progress.step("days against the database", done++, days.size());
                    checkDay(c, progress, day.getKey(), day.getValue());
                }
            } finally {
                c.rollback();
            }
        }
        progress.step("days against the database", done, days.size());
        return days.size();
    }

    private void checkDay(Connection c, Progress progress, String what, List<Manifest> parts)
            throws SQLException, IOException {
        Manifest first = parts.get(0);
        ExportedTable table = ExportedTable.named(first.table());
        LocalDate date = LocalDate.parse(first.date());
        if (parts.size() == 1) {
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
        try (TableRows rows = new TableRows(c, table, date);
             ExportedRows exported = new ExportedRows(s3, bucket, parts, rows.columns())) {
            RowComparison.compare(rows, exported, new RowComparison.Differences() {
                @Override
                public void added(Object[] databaseRow, long dayMicros) {
                    added++;
                    name(Finding.Kind.ADDED, rows.columns().describeKey(databaseRow) + " added since export");
                }

                @Override
                public void altered(Object[] exportedRow, Object[] databaseRow) {
                    tampered++;
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
    }
}
