package uk.gov.ida.eventrecorder.export;

import uk.gov.ida.eventrecorder.digest.ExportLayout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which of a table's exported days may have changed since a run that left them complete, found without reading them:
 * the days of rows whose inserting transaction that run's snapshot could not see, and of rows an UPDATE or DELETE
 * touched since (V9). Each is then compared by content with its exported parts: a row seen twice is written once.
 *
 * <p>The run to start from is the one that wrote the table's latest part 0. A run compares the days already exported
 * before it writes any new day ({@link Exporter}), so a part 0 says that its run had brought every earlier day up to
 * its snapshot. A run cut short in between writes no part 0, and the next one starts from the run before: it
 * compares more days, never fewer.
 */
public final class ChangedDays {
    private ChangedDays() {
    }

    /** The latest part 0 of the table among its manifests: its snapshot is what the next run starts from. */
    static Optional<ExportLayout.ManifestKey> lastComplete(Collection<List<ExportLayout.ManifestKey>> exported) {
        return exported.stream().flatMap(List::stream).filter(m -> m.part() == 0)
                .max(Comparator.comparingLong(ExportLayout.ManifestKey::sequence));
    }

    /** @param snapshot {@code pg_current_snapshot()}'s text, {@code xmin:xmax:xip,…} */
    public static SortedSet<LocalDate> since(Connection c, ExportedTable table, String snapshot) throws SQLException {
        long xmin = Long.parseLong(snapshot.substring(0, snapshot.indexOf(':')));
        SortedSet<LocalDate> days = new TreeSet<>();
        try (PreparedStatement s = c.prepareStatement(table.changedDaysQuery())) {
            s.setLong(1, xmin);
            s.setString(2, snapshot);
            s.setLong(3, xmin);
            s.setString(4, snapshot);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    days.add(rs.getObject(1, LocalDate.class));
                }
            }
        }
        return days;
    }
}
