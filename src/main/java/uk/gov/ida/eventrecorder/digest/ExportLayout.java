package uk.gov.ida.eventrecorder.digest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the export puts things in its bucket (the auditor's guide, "Layout"). Data objects carry the run that wrote
 * them, so a run that stopped midway never blocks the next; the chain's places are claimed by links that hold only
 * their sequence, so two runs cannot both take one; Athena reads only what the index under {@code _athena/} names.
 * <pre>
 *   audit_events/date=2026-12-01/part-000-20261202T031500Z-1a2b3c.parquet   a part's rows, written by one run
 *   csv/audit_events/date=2026-12-01/part-000-20261202T031500Z-1a2b3c.csv.gz  the same rows as CSV, when asked for
 *   _chain/000000000042.json                                     place 42: the signed manifest, claimed once
 *   _manifests/000000000042_audit_events_2026-12-01_000.json     its manifest, readable by name
 *   _manifests/000000000043_audit_events_2026-12-02_2026-12-09_000.json   a run of days without rows
 *   _athena/audit_events/date=2026-12-01/part-000.txt            the part's Parquet object(s), for Athena
 * </pre>
 * Dates are ISO dates as {@link LocalDate#toString()} writes them: {@code -0043-03-15} and {@code +10000-01-01} too,
 * since the recorder accepts every timestamp PostgreSQL does.
 */
public record ExportLayout(String prefix) {
    public static final String CHAIN = "_chain/";
    public static final String MANIFESTS = "_manifests/";
    public static final String ATHENA = "_athena/";
    private static final String DATE = "[+-]?\\d{4,}-\\d{2}-\\d{2}";
    private static final String RUN = "\\d{8}T\\d{6}Z-[0-9a-f]{6}";
    private static final Pattern LINK = Pattern.compile("_chain/(\\d{12})\\.json");
    private static final Pattern MANIFEST = Pattern.compile(
            "_manifests/(\\d{12})_([a-z_]+)_(" + DATE + ")(?:_(" + DATE + "))?_(\\d{3})\\.json");
    private static final Pattern DATA_OBJECT = Pattern.compile(
            "(csv/)?[a-z_]+/date=" + DATE + "/part-\\d{3}-" + RUN + "\\.(parquet|csv\\.gz)");
    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    public ExportLayout {
        prefix = prefix == null ? "" : prefix;
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
    }

    /** One manifest's place and item, read from its key alone (listing the chain needs no GETs). */
    public record ManifestKey(String key, long sequence, String table, LocalDate date, LocalDate through, int part) {
        /** True when both cover one table's part over days they share. */
        public boolean overlaps(String otherTable, LocalDate from, LocalDate to, int otherPart) {
            return table.equals(otherTable) && part == otherPart && !date.isAfter(to) && !through.isBefore(from);
        }
    }

    /** A run's mark on its data objects: when it started, and a few random hex digits for runs in the same second. */
    public static String runId(Instant started) {
        return RUN_TIME.format(started.truncatedTo(ChronoUnit.SECONDS)) + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    }

    public String parquetKey(String table, LocalDate date, int part, String runId) {
        return prefix + table + "/date=" + date + "/part-" + three(part) + "-" + runId + ".parquet";
    }

    public String csvKey(String table, LocalDate date, int part, String runId) {
        return prefix + "csv/" + table + "/date=" + date + "/part-" + three(part) + "-" + runId + ".csv.gz";
    }

    public String indexKey(String table, LocalDate date, int part) {
        return prefix + ATHENA + table + "/date=" + date + "/part-" + three(part) + ".txt";
    }

    public String chainPrefix() {
        return prefix + CHAIN;
    }

    public String manifestsPrefix() {
        return prefix + MANIFESTS;
    }

    public String linkKey(long sequence) {
        return prefix + CHAIN + String.format("%012d", sequence) + ".json";
    }

    public ManifestKey manifestKey(long sequence, String table, LocalDate date, LocalDate through, int part) {
        return new ManifestKey(prefix + MANIFESTS + String.format("%012d", sequence) + "_" + table + "_" + date
                + (through.equals(date) ? "" : "_" + through) + "_" + three(part) + ".json", sequence, table, date,
                through, part);
    }

    /** The place a link key claims, or empty for any other key. */
    public OptionalLong parseLinkKey(String key) {
        Matcher m = matcher(LINK, key);
        return m == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(m.group(1)));
    }

    public Optional<ManifestKey> parseManifestKey(String key) {
        Matcher m = matcher(MANIFEST, key);
        if (m == null) {
            return Optional.empty();
        }
        LocalDate date = LocalDate.parse(m.group(3));
        return Optional.of(new ManifestKey(key, Long.parseLong(m.group(1)), m.group(2), date,
                m.group(4) == null ? date : LocalDate.parse(m.group(4)), Integer.parseInt(m.group(5))));
    }

    /** True for a key at which an export run writes a part's data (Parquet or CSV), listed or not. */
    public boolean isDataObject(String key) {
        return matcher(DATA_OBJECT, key) != null;
    }

    private Matcher matcher(Pattern pattern, String key) {
        if (!key.startsWith(prefix)) {
            return null;
        }
        Matcher m = pattern.matcher(key.substring(prefix.length()));
        return m.matches() ? m : null;
    }

    private static String three(int part) {
        return String.format("%03d", part);
    }
}
