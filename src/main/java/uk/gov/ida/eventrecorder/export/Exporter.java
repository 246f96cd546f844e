package uk.gov.ida.eventrecorder.export;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestChain;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.digest.RowDigest;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * One export run (docs/export-and-verification.md): an addendum for each exported day, however old, that has gained
 * rows since (and a warning for one whose rows were altered or deleted), then every settled day of every table not
 * exported yet. All of it reads one snapshot, in one read-only {@code REPEATABLE READ} transaction, which takes no
 * lock beyond {@code ACCESS SHARE}: recording goes on meanwhile.
 * A day is the unit of work: a run out of time stops between days (or gives up the day it is in, publishing none of
 * it), and the next run starts where it stopped, because the chain says what is done. Runs may overlap: the chain
 * gives each place to one of them ({@link ManifestChain}), and each run's objects carry its own mark.
 */
public final class Exporter {
    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);
    /** A day is begun only with this much of the invocation left; one that is still running at half of it gives up. */
    public static final Duration DAY_MARGIN = Duration.ofSeconds(60);
    private static final int CHECK_EVERY_ROWS = 10_000;

    /**
     * @param settle    how long after a day's end it is exported (events still arriving for it meanwhile)
     * @param startDate no day before it is exported (empty: from each table's first row)
     */
    public record Settings(String bucket, ExportLayout layout, Duration settle, boolean csv,
                           Optional<LocalDate> startDate, List<ExportedTable> tables) {
    }

    private static final java.time.Duration LONG_READ = java.time.Duration.ofMinutes(15);

    private final S3Client s3;
    private final ManifestSigner signer;
    private final DataSource database;
    private final Settings settings;

    public Exporter(S3Client s3, ManifestSigner signer, DataSource database, Settings settings) {
        this.s3 = s3;
        this.signer = signer;
        this.database = database;
        this.settings = settings;
    }

    private static final class OutOfTime extends RuntimeException {
        OutOfTime() {
            super(null, null, false, false);
        }
    }

    /** @param remainingMillis the invocation's time left ({@code Long.MAX_VALUE}: no limit) */
    public ExportReport run(Instant now, LongSupplier remainingMillis) throws SQLException, IOException {
        ExportReport report = new ExportReport();
        ManifestChain chain;
        try {
            chain = ManifestChain.load(s3, settings.bucket(), settings.layout(), signer);
        } catch (ManifestChain.Alarm e) {
            LOG.error("export stopped before writing anything: {}", e.getMessage());
            report.alarm(e.getMessage());
            return report;
        }
        String runId = ExportLayout.runId(Instant.now());
        LocalDate settled = LocalDate.ofInstant(now.minus(settings.settle()), ZoneOffset.UTC).minusDays(1);
        LocalDate settledThrough = settled.isAfter(ExportedTable.LAST_DAY) ? ExportedTable.LAST_DAY : settled;
        try (Connection c = database.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            // A day of millions of rows sorts before its first row arrives: longer than the pool's read bound.
            c.setNetworkTimeout(Runnable::run, (int) LONG_READ.toMillis());
            String snapshot;
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL application_name = 'event-recorder-export'");
                // One statement may read a day of millions of rows; the run itself is bounded by its invocation.
                s.execute("SET LOCAL statement_timeout = '15min'");
                try (ResultSet rs = s.executeQuery("SELECT pg_current_snapshot()::text")) {
                    rs.next();
                    snapshot = rs.getString(1);
                }
            }
            try {
                Optional<LedgerCoverage> ledger = LedgerCoverage.read(c, warning -> {
                    LOG.warn(warning);
                    report.warn(warning);
                });
                for (ExportedTable table : settings.tables()) {
                    Run run = new Run(c, chain, runId, snapshot, ledger, now, remainingMillis, report);
                    exportTable(run, table, settledThrough);
                }
            } catch (OutOfTime e) {
                LOG.warn("export stopped for want of time before {}: the next run goes on from there",
                        report.stoppedBefore());
            } catch (ManifestChain.Alarm e) {
                LOG.error("export stopped: {}", e.getMessage());
                report.alarm(e.getMessage());
            } catch (ManifestChain.Contention e) {
                LOG.warn("export stopped: {}", e.getMessage());
                report.stoppedBefore(e.getMessage());
            } finally {
                c.rollback();
            }
        }
        report.chainHead(chain.headSequence());
        return report;
    }

    /**
     * What every part of one run shares: its transaction, chain, mark on its objects, snapshot, the ledger's
     * checkpoint it sees, and time.
     */
    private record Run(Connection c, ManifestChain chain, String runId, String snapshot,
                       Optional<LedgerCoverage> ledger, Instant now, LongSupplier remaining, ExportReport report) {
    }

    private void exportTable(Run run, ExportedTable table, LocalDate settledThrough)
            throws SQLException, IOException {
        Connection c = run.c();
        long nonFinite = nonFiniteRows(c, table);
        if (nonFinite > 0) {
            // Older versions stored these; no day holds them, so no export carries them: said, never stalled on.
            String warning = table.name() + ": " + nonFinite + " row(s) dated -infinity, infinity or after "
                    + ExportedTable.LAST_DAY + " are in no day the export writes, and not exported (doctor names the "
                    + "table)";
            LOG.warn(warning);
            run.report().warn(warning);
        }
        TreeMap<LocalDate, List<ExportLayout.ManifestKey>> exported = new TreeMap<>();
        for (ExportLayout.ManifestKey m : run.chain().manifests()) {
            if (m.table().equals(table.shortName())) {
                exported.computeIfAbsent(m.date(), d -> new ArrayList<>()).add(m);
            }
        }
        LocalDate first = firstDay(c, table);
        if (!exported.isEmpty() && (first == null || exported.firstKey().isBefore(first))) {
            first = exported.firstKey();
        }
        if (first == null) {
            return;
        }
        if (settings.startDate().isPresent() && settings.startDate().get().isAfter(first)) {
            first = settings.startDate().get();
        }
        // Late rows first: a new day's part 0 then says that its run brought every earlier day up to its snapshot.
        exportLateRows(run, table, exported, settledThrough);
        exportNewDays(run, table, first, settledThrough);
    }

    private static LocalDate later(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * Every settled day from {@code first} that the chain does not cover yet: a day with rows is a part of its own;
     * a run of days without rows is one manifest over them all. Which days have rows is one query per gap.
     */
    private void exportNewDays(Run run, ExportedTable table, LocalDate first, LocalDate settledThrough)
            throws SQLException, IOException {
        List<ExportLayout.ManifestKey> parts0 = run.chain().manifests().stream()
                .filter(m -> m.table().equals(table.shortName()) && m.part() == 0)
                .sorted(java.util.Comparator.comparing(ExportLayout.ManifestKey::date)).toList();
        LocalDate from = first;
        for (ExportLayout.ManifestKey covered : parts0) {
            if (covered.date().isAfter(from)) {
                exportGap(run, table, from, min(covered.date().minusDays(1), settledThrough));
            }
            from = later(from, covered.through().plusDays(1));
        }
        exportGap(run, table, from, settledThrough);
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }

    private void exportGap(Run run, ExportedTable table, LocalDate from, LocalDate through)
            throws SQLException, IOException {
        if (from.isAfter(through)) {
            return;
        }
        java.util.TreeSet<LocalDate> withRows = new java.util.TreeSet<>(
                dayCounts(run.c(), table, from, through.plusDays(1)).keySet());
        LocalDate day = from;
        while (!day.isAfter(through)) {
            LocalDate next = withRows.ceiling(day);
            if (next != null && next.equals(day)) {
                exportDay(run, table, day, day, 0, List.of());
                day = day.plusDays(1);
            } else {
                LocalDate end = next == null || next.isAfter(through) ? through : next.minusDays(1);
                exportDay(run, table, day, end, 0, List.of());
                day = end.plusDays(1);
            }
        }
    }

    /**
     * An addendum for each exported day that holds rows its parts lack, at any age, and a warning for each whose rows
     * were altered or deleted since. Only days that may have changed since the last complete run are compared
     * ({@link ChangedDays}), each by content, so that a DELETE plus an INSERT is seen as what it is.
     */
    private void exportLateRows(Run run, ExportedTable table,
                                TreeMap<LocalDate, List<ExportLayout.ManifestKey>> exported, LocalDate settledThrough)
            throws SQLException, IOException {
        Optional<ExportLayout.ManifestKey> since = ChangedDays.lastComplete(exported.values());
        if (since.isEmpty()) {
            return;
        }
        ManifestChain chain = run.chain();
        for (LocalDate day : ChangedDays.since(run.c(), table, chain.read(since.get()).snapshot())) {
            List<ExportLayout.ManifestKey> keys = partsOf(run, table, day);
            if (!keys.isEmpty() && !day.isAfter(settledThrough)) {
                List<Manifest> parts = keys.stream().map(chain::read).toList();
                exportDay(run, table, day, day, parts.size(), parts);
            }
        }
    }

    /** A day's exported parts as the chain holds them now, in order: its own, and a run of days without rows over it. */
    private static List<ExportLayout.ManifestKey> partsOf(Run run, ExportedTable table, LocalDate day) {
        return run.chain().manifests().stream().filter(m -> m.table().equals(table.shortName())
                        && !m.date().isAfter(day) && !m.through().isBefore(day))
                .sorted(java.util.Comparator.comparingInt(ExportLayout.ManifestKey::part)).toList();
    }

    /**
     * Another run exported this part first, from its own snapshot, which may lack rows this run's holds (a late row
     * committed between the two): compared with the parts that won, whatever this run has more is an addendum. A run
     * of days without rows loses nothing.
     */
    private void againstPartsNow(Run run, ExportedTable table, LocalDate day, LocalDate through)
            throws SQLException, IOException {
        if (day.equals(through)) {
            List<Manifest> parts = partsOf(run, table, day).stream().map(run.chain()::read).toList();
            exportDay(run, table, day, day, parts.size(), parts);
        }
    }

    /** One part: a day's rows (or a run of days without any, {@code day} to {@code through}), signed and chained. */
    private void exportDay(Run run, ExportedTable table, LocalDate day, LocalDate through, int part,
                           List<Manifest> earlier) throws SQLException, IOException {
        Connection c = run.c();
        LongSupplier remaining = run.remaining();
        ExportReport report = run.report();
        String what = table.name() + " " + day + (through.equals(day) ? "" : " to " + through)
                + (part == 0 ? "" : " addendum " + part);
        if (run.chain().covers(table.shortName(), day, through, part)) {
            againstPartsNow(run, table, day, through); // another run, racing this one, has exported it meanwhile
            return;
        }
        long left = remaining.getAsLong();
        if (left < DAY_MARGIN.toMillis()) {
            report.stoppedBefore(what);
            throw new OutOfTime();
        }
        // A read never waits past the invocation's time (the command line has none: then the long bound).
        c.setNetworkTimeout(Runnable::run, (int) Math.min(LONG_READ.toMillis(), left));
        try (TableRows rows = new TableRows(c, table, day, through);
             PartWriter writer = new PartWriter(s3, settings.bucket(), settings.layout(), table, day, part,
                     settings.csv(), run.runId(), rows.columns())) {
            Optional<LedgerCoverage.Tally> tally = run.ledger().map(LedgerCoverage::tally);
            if (part == 0) {
                RowDigest digest = writer.digest();
                // On the reader's thread, where rows.recordedXid() is the row's just read.
                java.util.function.Consumer<Object[]> beside = tally.isEmpty() ? digest::add : row -> {
                    digest.add(row);
                    tally.get().count(rows.recordedXid());
                };
                try (PrefetchedRows ahead = new PrefetchedRows(rows, beside)) {
                    for (Object[] row = ahead.next(); row != null; row = ahead.next()) {
                        writer.writeDigested(row, ahead.dayMicros());
                        checkTime(writer.rows(), remaining, report, what);
                    }
                }
            } else {
                long[] changed = {0, 0}; // altered, deleted: verify names them, the export counts them
                try (ExportedRows old = new ExportedRows(s3, settings.bucket(), earlier, rows.columns())) {
                    RowComparison.compare(rows, old, new RowComparison.Differences() {
                        @Override
                        public void added(Object[] row, long dayMicros) throws IOException {
                            writer.write(row, dayMicros);
                            tally.ifPresent(t -> t.count(rows.recordedXid()));
                            checkTime(writer.rows(), remaining, report, what);
                        }

                        @Override
                        public void altered(Object[] exportedRow, Object[] databaseRow) {
                            changed[0]++;
                        }

                        @Override
                        public void deleted(Object[] exportedRow) {
                            changed[1]++;
                        }

                        @Override
                        public void compared(long rows) {
                            checkTime(rows, remaining, report, what);
                        }
                    });
                }
                if (changed[0] + changed[1] > 0) {
                    String warning = table.name() + " " + day + ": " + changed[0] + " row(s) altered and " + changed[1]
                            + " deleted since export (verify --against-database names them)";
                    LOG.warn(warning);
                    report.warn(warning);
                }
                if (writer.rows() == 0) {
                    return; // nothing added: no addendum (the writer wrote no object)
                }
            }
            PartWriter.Written written = writer.finish();
            Optional<Manifest> manifest = run.chain().append(new Manifest(Manifest.FORMAT, 0, table.name(),
                    day.toString(), through.toString(), part, run.now().toString(), run.snapshot(), written.rows(),
                    written.firstTimeStamp(), written.lastTimeStamp(), written.rowsSha256(),
                    rows.columns().described(), table.keyColumns(), written.objects(), null, null,
                    tally.map(LedgerCoverage.Tally::field).orElse(null)));
            long bytes = written.objects().stream().mapToLong(Manifest.StoredObject::size).sum();
            if (manifest.isEmpty()) {
                LOG.info("{} was exported meanwhile by another run: this run's objects of it are left unlisted", what);
                againstPartsNow(run, table, day, through);
                return;
            }
            report.exported(part > 0, written.rows(), bytes);
            LOG.info("exported {}: {} row(s), {} byte(s), manifest {}", what, written.rows(), bytes,
                    manifest.get().sequence());
        }
    }

    private static void checkTime(long rows, LongSupplier remaining, ExportReport report, String what) {
        if (rows % CHECK_EVERY_ROWS == 0 && remaining.getAsLong() < DAY_MARGIN.toMillis() / 2) {
            // Giving the day up publishes none of it (PartWriter.close aborts its uploads); the next run redoes it.
            report.stoppedBefore(what);
            throw new OutOfTime();
        }
    }

    private static long nonFiniteRows(Connection c, ExportedTable table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(table.nonFiniteCountQuery())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static LocalDate firstDay(Connection c, ExportedTable table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(table.firstDayQuery())) {
            rs.next();
            return rs.getObject(1, LocalDate.class);
        }
    }

    /** Rows per UTC day over [from, to), in one query (days without rows are absent). */
    public static Map<LocalDate, Long> dayCounts(Connection c, ExportedTable table, LocalDate from, LocalDate to)
            throws SQLException {
        Map<LocalDate, Long> counts = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(table.dayCountsQuery())) {
            s.setObject(1, from.atStartOfDay());
            s.setObject(2, to.atStartOfDay());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getObject(1, LocalDate.class), rs.getLong(2));
                }
            }
        }
        return counts;
    }
}
