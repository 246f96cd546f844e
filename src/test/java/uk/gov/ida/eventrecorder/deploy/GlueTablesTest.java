package uk.gov.ida.eventrecorder.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.deploy.SamTranslation.Request;
import uk.gov.ida.eventrecorder.deploy.SamTranslation.Translated;
import uk.gov.ida.eventrecorder.digest.ColumnType;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.TableColumns;
import uk.gov.ida.eventrecorder.export.TableRows;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Analysts query the export from its first day with Athena, with no crawler and no MSCK REPAIR: one Glue table per
 * exported table, reading through the export's index files (never an interrupted run's leftover Parquet, never a row
 * twice), its days found by partition projection, its columns those of the Parquet the export writes.
 */
class GlueTablesTest {
    private static final Request WITH_PREFIX = new Request(SamTranslation.TEMPLATE,
            Map.of("ExportBucketName", "audit-export", "ExportPrefix", "events/"));
    private static Translated stack;

    @BeforeAll
    static void translate() {
        stack = SamTranslation.translate(List.of(WITH_PREFIX)).get(WITH_PREFIX);
    }

    // Athena reads a table whose files are listed in text files ("symlink" manifests) with SymlinkTextInputFormat and
    // the data's SerDe, as for Delta Lake's and S3 Inventory's manifests:
    // https://docs.aws.amazon.com/athena/latest/ug/delta-lake-tables.html
    // Partition projection finds the days from the table's properties, with no partition in the catalogue:
    // https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
    @Test
    void eachExportedTableIsAGlueTableReadThroughTheIndexWithItsDaysProjected() {
        Map<String, JsonNode> databases = stack.resources("AWS::Glue::Database");
        assertEquals(1, databases.size());
        String database = databases.keySet().iterator().next();
        assertEquals("event_recorder_export", stack.decided(databases.get(database).path("Properties")
                .path("DatabaseInput").path("Name")).asText());
        List<String> tables = new ArrayList<>();
        stack.resources("AWS::Glue::Table").values().forEach(table -> {
            JsonNode input = stack.decided(table.path("Properties").path("TableInput"));
            assertEquals(database, table.path("Properties").path("DatabaseName").path("Ref").asText());
            String name = input.path("Name").asText();
            tables.add(name);
            JsonNode storage = input.path("StorageDescriptor");
            assertEquals("org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat", storage.path("InputFormat").asText());
            assertEquals("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    storage.path("OutputFormat").asText());
            assertEquals("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                    storage.path("SerdeInfo").path("SerializationLibrary").asText());
            assertEquals("s3://audit-export/events/_athena/" + name + "/", sub(storage.path("Location")));
            assertEquals(List.of("date string"), List.of(input.path("PartitionKeys").get(0).path("Name").asText()
                    + " " + input.path("PartitionKeys").get(0).path("Type").asText()));
            assertEquals(1, input.path("PartitionKeys").size());
            JsonNode p = input.path("Parameters");
            assertEquals("true", p.path("projection.enabled").asText());
            assertEquals("date", p.path("projection.date.type").asText());
            assertEquals("yyyy-MM-dd", p.path("projection.date.format").asText());
            assertEquals(stack.parameters().get("ExportQueryableFrom") + ",NOW", sub(p.path("projection.date.range")));
            assertEquals("s3://audit-export/events/_athena/" + name + "/date=${date}/",
                    sub(p.path("storage.location.template")));
        });
        assertEquals(ExportedTable.ALL.stream().map(ExportedTable::shortName).toList(), tables);
        assertEquals("2015-01-01", stack.parameters().get("ExportQueryableFrom"));
    }

    /** The columns the export's own code writes, read from the migrated schema, not a list kept by hand. */
    @Test
    void eachGlueTablesColumnsAreTheParquetsInTheTablesOrder() throws Exception {
        try (Connection connection = TestDatabase.get().dataSource().getConnection()) {
            connection.setAutoCommit(false);
            for (ExportedTable table : ExportedTable.ALL) {
                TableColumns columns;
                try (TableRows rows = new TableRows(connection, table, LocalDate.of(2000, 1, 1))) {
                    columns = rows.columns();
                }
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < columns.names().size(); i++) {
                    expected.add(columns.names().get(i) + " " + glueType(columns.types().get(i)));
                }
                List<String> declared = new ArrayList<>();
                stack.resources("AWS::Glue::Table").values().forEach(t -> {
                    JsonNode input = t.path("Properties").path("TableInput");
                    if (input.path("Name").asText().equals(table.shortName())) {
                        input.path("StorageDescriptor").path("Columns").forEach(c -> declared.add(
                                c.path("Name").asText() + " " + c.path("Type").asText()));
                    }
                });
                assertEquals(expected, declared, table.name());
            }
            connection.rollback();
        }
    }

    /** Athena's type for the Parquet the export writes of each column type. */
    private static String glueType(ColumnType type) {
        return switch (type) {
            case TEXT, JSON -> "string";
            case INT32 -> "int";
            case INT64 -> "bigint";
            case BOOLEAN -> "boolean";
            case TIMESTAMP -> "timestamp";
        };
    }

    /** A Fn::Sub string with the parameters' values put in (and ${!x}, Sub's literal ${x}). */
    private static String sub(JsonNode value) {
        assertTrue(value.has("Fn::Sub") || value.isTextual(), value.toString());
        String text = value.has("Fn::Sub") ? value.get("Fn::Sub").asText() : value.asText();
        for (Map.Entry<String, String> p : stack.parameters().entrySet()) {
            text = text.replace("${" + p.getKey() + "}", p.getValue());
        }
        return text.replace("${ExportBucket}", stack.parameters().get("ExportBucketName")).replace("${!", "${");
    }
}
