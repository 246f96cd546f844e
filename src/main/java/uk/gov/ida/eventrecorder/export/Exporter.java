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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * One export run (README, "Export and verification"): an addendum for each exported day, however old, that has
 * gained rows since (and a warning for one whose rows were altered or deleted), then every settled day of every table
 * not exported yet. All of it reads one snapshot, in one read-only {@code REPEATABLE READ} transaction, which takes
 * no lock beyond {@code ACCESS SHARE}: recording goes on meanwhile.
 * A day is the unit of work: a run out of time stops between days (or gives up the day it is in, publishing none of
 * it), and the next run starts where it stopped, because the manifests say what is done.
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
        ManifestChain chain = ManifestChain.load(s3, settings.bucket(), settings.layout(), signer);
        LocalDate settledThrough = LocalDate.ofInstant(now.minus(settings.settle()), ZoneOffset.UTC).minusDays(1);
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
                for (ExportedTable table : settings.tables()) {
                    exportTable(c, chain, table, settledThrough, snapshot, now, remainingMillis, report);
                }
            } catch (OutOfTime e) {
                LOG.warn("export stopped for want of time before {}: the next run goes on from there",
                        report.stoppedBefore());
            } finally {
                c.rollback();
            }
        }
        return report;
    }

    private void exportTable(Connection c, ManifestChain chain, ExportedTable table, LocalDate settledThrough,
                             String snapshot, Instant now, LongSupplier remaining, ExportReport report)
            throws SQLException, IOException {
        TreeMap<LocalDate, List<ExportLayout.ManifestKey>> exported = new TreeMap<>();
        for (ExportLayout.ManifestKey m : chain.manifests()) {
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
        exportLateRows(c, chain, table, exported, settledThrough, snapshot, now, remaining, report);
        exportNewDays(c, chain, table, exported, first, settledThrough, snapshot, now, remaining, report);
    }

    /** Every settled day from {@code first} that the chain does not hold yet. */
    private void exportNewDays(Connection c, ManifestChain chain, ExportedTable table,
                               TreeMap<LocalDate, List<ExportLayout.ManifestKey>> exported, LocalDate first,
                               LocalDate settledThrough, String snapshot, Instant now, LongSupplier remaining,
                               ExportReport report) throws SQLException, IOException {
        for (LocalDate day = first; !day.isAfter(settledThrough); day = day.plusDays(1)) {
            if (!exported.containsKey(day)) {
                exportDay(c, chain, table, day, 0, List.of(), snapshot, now, remaining, report);
            }
        }
    }

    /**
     * An addendum for each exported day that holds rows its parts lack, at any age, and a warning for each whose rows
     * were altered or deleted since. Only days that may have changed since the last complete run are compared
     * ({@link ChangedDays}), each by content, so that a DELETE plus an INSERT is seen as what it is.
     */
    private void exportLateRows(Connection c, ManifestChain chain, ExportedTable table,
                                TreeMap<LocalDate, List<ExportLayout.ManifestKey>> exported,
                                LocalDate settledThrough, String snapshot, Instant now, LongSupplier remaining,
                                ExportReport report) throws SQLException, IOException {
        Optional<ExportLayout.ManifestKey> since = ChangedDays.lastComplete(exported.values());
        if (since.isEmpty()) {
            return;
        }
        for (LocalDate day : ChangedDays.since(c, table, chain.read(since.get()).snapshot())) {
            if (exported.containsKey(day) && !day.isAfter(settledThrough)) {
                List<Manifest> parts = exported.get(day).stream().map(chain::read).toList();
                exportDay(c, chain, table, day, parts.size(), parts, snapshot, now, remaining, report);
            }
        }
    }

    private void exportDay(Connection c, ManifestChain chain, ExportedTable table, LocalDate day, int part,
                           List<Manifest> earlier, String snapshot, Instant now, LongSupplier remaining,
                           ExportReport report) throws SQLException, IOException {
        String what = table.name() + " " + day + (part == 0 ? "" : " addendum " + part);
        long left = remaining.getAsLong();
        if (left < DAY_MARGIN.toMillis()) {
            report.stoppedBefore(what);
            throw new OutOfTime();
        }
        // A read never waits past the invocation's time (the command line has none: then the long bound).
        c.setNetworkTimeout(Runnable::run, (int) Math.min(LONG_READ.toMillis(), left));
        try (TableRows rows = new TableRows(c, table, day);
             PartWriter writer = new PartWriter(s3, settings.bucket(), settings.layout(), table, day, part,
                     settings.csv(), rows.columns())) {
            if (part == 0) {
                RowDigest digest = writer.digest();
                try (PrefetchedRows ahead = new PrefetchedRows(rows, digest::add)) {
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
            Manifest manifest = chain.append(new Manifest(Manifest.FORMAT, 0, table.name(), day.toString(), part,
                    now.toString(), snapshot, written.rows(), written.firstTimeStamp(), written.lastTimeStamp(),
                    written.rowsSha256(), rows.columns().described(), table.keyColumns(), written.objects(), null,
                    null));
            long bytes = written.objects().stream().mapToLong(Manifest.StoredObject::size).sum();
            report.exported(part > 0, written.rows(), bytes);
            LOG.info("exported {}: {} row(s), {} byte(s), manifest {}", what, written.rows(), bytes,
                    manifest.sequence());
        }
    }

    private static void checkTime(long rows, LongSupplier remaining, ExportReport report, String what) {
        if (rows % CHECK_EVERY_ROWS == 0 && remaining.getAsLong() < DAY_MARGIN.toMillis() / 2) {
            // Giving the day up publishes none of it (PartWriter.close aborts its uploads); the next run redoes it.
            report.stoppedBefore(what);
            throw new OutOfTime();
        }
    }

    private static LocalDate firstDay(Connection c, ExportedTable table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(table.firstDayQuery())) {
            rs.next();
            return rs.getObject(1, LocalDate.class);
        }
    }
}
