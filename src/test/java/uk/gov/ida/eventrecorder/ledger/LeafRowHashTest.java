package uk.gov.ida.eventrecorder.ledger;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.digest.RowDigest;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.TableColumns;
import uk.gov.ida.eventrecorder.export.TableRows;
import uk.gov.ida.eventrecorder.testing.ExportFixture;

import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code verify} ties each exported row to its leaf by comparing two hashes, so a leaf's row hash must be exactly what
 * the row the export wrote to Parquet hashes to. Held here for the export's hostile rows (commas, quotes, line
 * breaks, characters outside the BMP, NULLs, microseconds, JSON) in every exported table, the Parquet read back by
 * DuckDB, a reader neither the export nor the ledger has a part in.
 */
class LeafRowHashTest {
    private final ExportFixture export = new ExportFixture(true);

    @Test
    void eachLeafsRowHashIsTheHashOfTheRowTheExportWroteToParquet() throws Exception {
        // Given the ledger started, then rows in every table, checkpointed and exported
        Checkpointer checkpointer = new Checkpointer(export.db.dataSource(), export.s3,
                new uk.gov.ida.eventrecorder.digest.ManifestSigner(export.kms, export.keyId),
                new Checkpointer.Settings(export.bucket, "", Duration.ofSeconds(60)),
                Clock.fixed(ExportFixture.RUN_AT, ZoneOffset.UTC));
        checkpointer.run();
        export.seed();
        LedgerReport report = checkpointer.run();
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, report.outcome());
        export.export(ExportFixture.RUN_AT, false);
        Map<String, String> leaves = new HashMap<>();
        for (CheckpointObject o : objects()) {
            for (byte[] e : o.entries()) {
                LeafEntry entry = LeafEntry.decode(e);
                leaves.put(entry.table() + " " + entry.day() + " " + entry.key(),
                        HexFormat.of().formatHex(entry.rowHash()));
            }
        }

        // Then every exported row of each settled day is a leaf of that day with the same hash, and no more
        int compared = 0;
        for (LocalDate day : List.of(ExportFixture.DAY_1, ExportFixture.DAY_2)) {
            for (ExportedTable table : ExportedTable.ALL) {
                TableColumns columns = columns(table, day);
                RowDigest digest = new RowDigest(columns.types());
                List<Object[]> parquet = export.readIndexed(table, day, columns.types(), columns.names());
                assertTrue(!parquet.isEmpty(), table.name() + " " + day);
                for (Object[] row : parquet) {
                    String key = table.name() + " " + day + " " + columns.canonicalKey(row);
                    assertEquals(leaves.get(key), HexFormat.of().formatHex(digest.rowHash(row)), key);
                    compared++;
                }
                assertEquals(parquet.size(), leaves.keySet().stream()
                        .filter(k -> k.startsWith(table.name() + " " + day + " ")).count(), table.name() + " " + day);
            }
        }
        assertEquals(report.newLeaves() - leaves.keySet().stream().filter(k -> k.contains(" "
                + ExportFixture.DAY_3 + " ")).count(), compared);
    }

    private List<CheckpointObject> objects() {
        return export.keys().stream().filter(k -> k.startsWith("_ledger/")).sorted().map(k -> CheckpointObject.decode(
                export.s3.getObjectAsBytes(r -> r.bucket(export.bucket).key(k)).asByteArray())).toList();
    }

    private TableColumns columns(ExportedTable table, LocalDate day) throws Exception {
        try (Connection c = export.db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (TableRows rows = new TableRows(c, table, day)) {
                return rows.columns();
            } finally {
                c.rollback();
            }
        }
    }
}
