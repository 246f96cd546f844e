package uk.gov.ida.eventrecorder.digest;

import java.time.LocalDate;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the export puts things in its bucket (docs/export-and-verification.md): Hive-style day partitions that
 * Athena and Glue read, one folder per table; the CSV copies apart from them, so that a table's Parquet folder holds
 * Parquet only; and the manifests, with their signatures, in {@code _manifests/}, which Athena ignores.
 * <pre>
 *   audit_events/date=2026-12-01/part-000.parquet      the day's rows (part 0), in key order
 *   audit_events/date=2026-12-01/part-001.parquet      an addendum: rows that arrived after part 0
 *   csv/audit_events/date=2026-12-01/part-000.csv.gz   the same rows as CSV, when asked for
 *   _manifests/000000000042_audit_events_2026-12-01_000.json      the 42nd manifest of the chain
 *   _manifests/000000000042_audit_events_2026-12-01_000.json.sig  its signature
 * </pre>
 */
public record ExportLayout(String prefix) {
    public static final String MANIFESTS = "_manifests/";
    private static final Pattern MANIFEST = Pattern.compile(
            "_manifests/(\\d{12})_([a-z_]+)_(\\d{4}-\\d{2}-\\d{2})_(\\d{3})\\.json");

    public ExportLayout {
        prefix = prefix == null ? "" : prefix;
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
    }

    /** One manifest's place, read from its key alone (listing the chain needs no GETs). */
    public record ManifestKey(String key, long sequence, String table, LocalDate date, int part) {
    }

    public String parquetKey(String table, LocalDate date, int part) {
        return prefix + table + "/date=" + date + "/part-" + three(part) + ".parquet";
    }

    public String csvKey(String table, LocalDate date, int part) {
        return prefix + "csv/" + table + "/date=" + date + "/part-" + three(part) + ".csv.gz";
    }

    public String manifestsPrefix() {
        return prefix + MANIFESTS;
    }

    public ManifestKey manifestKey(long sequence, String table, LocalDate date, int part) {
        return new ManifestKey(prefix + MANIFESTS + String.format("%012d", sequence) + "_" + table + "_" + date + "_"
                + three(part) + ".json", sequence, table, date, part);
    }

    public static String signatureKey(String manifestKey) {
        return manifestKey + ".sig";
    }

    public Optional<ManifestKey> parseManifestKey(String key) {
        if (!key.startsWith(prefix)) {
            return Optional.empty();
        }
        Matcher m = MANIFEST.matcher(key.substring(prefix.length()));
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new ManifestKey(key, Long.parseLong(m.group(1)), m.group(2), LocalDate.parse(m.group(3)),
                Integer.parseInt(m.group(4))));
    }

    private static String three(int part) {
        return String.format("%03d", part);
    }
}
