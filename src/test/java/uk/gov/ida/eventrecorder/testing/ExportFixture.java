package uk.gov.ida.eventrecorder.testing;

import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import uk.gov.ida.eventrecorder.digest.ColumnType;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.ManifestSigner;
import uk.gov.ida.eventrecorder.export.ExportReport;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.export.Exporter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The export's test bed: the test database seeded with rows whose values are hostile to naive writers (commas,
 * quotes, line breaks, non-BMP characters, NULLs, microseconds), moto's S3 and KMS, a bucket and a signing key; and
 * DuckDB, a reader the export's code has no part in, to read the files back.
 */
public final class ExportFixture {
    public static final LocalDate DAY_1 = LocalDate.parse("2026-11-28");
    public static final LocalDate DAY_2 = LocalDate.parse("2026-11-29");
    public static final LocalDate DAY_3 = LocalDate.parse("2026-11-30");
    /** Two hours into 2026-12-01: with a settle of two hours, days 1 and 2 are settled, day 3 not yet. */
    public static final Instant RUN_AT = Instant.parse("2026-12-01T01:00:00Z");

    private static Connection duckDb;

    public final TestDatabase db = TestDatabase.get();
    public final Moto moto = Moto.get();
    public final S3Client s3 = moto.s3();
    public final KmsClient kms = moto.kms();
    public final String bucket;
    public final String keyId = moto.signingKey(kms);

    public ExportFixture(boolean locked) {
        db.truncateAll();
        bucket = locked ? moto.lockedBucket(s3, 1) : moto.plainBucket(s3);
    }

    public Exporter exporter(boolean csv) {
        return exporter(s3, csv);
    }

    public Exporter exporter(S3Client client, boolean csv) {
        return new Exporter(client, new ManifestSigner(kms, keyId), db.dataSource(), new Exporter.Settings(bucket,
                new ExportLayout(""), Duration.ofHours(2), csv, Optional.empty(), ExportedTable.ALL));
    }

    public ExportReport export(Instant at, boolean csv) {
        return export(at, csv, () -> Long.MAX_VALUE);
    }

    public ExportReport export(Instant at, boolean csv, LongSupplier remaining) {
        try {
            return exporter(csv).run(at, remaining);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows on days 1 to 3 in every exported table; values chosen to break a careless writer. */
    public void seed() {
        for (LocalDate day : List.of(DAY_1, DAY_2, DAY_3)) {
            db.admin(
                    "INSERT INTO audit.audit_events VALUES "
                            + "('ev,\"1\"-" + day + "', '" + day + " 10:00:00.123456', 'hub', NULL, 'session_event', "
                            + "'{\"text\": \"line\\nbreak, \\\"quoted\\\" \\u00e9 \uD83D\uDE00\", \"n\": 1.50}'), "
                            + "('ev-2-" + day + "', '" + day + " 23:59:59.999999', 'hub', 'sess-1', 'fraud_detected', NULL), "
                            + "('ev-2-" + day + "', '" + day + " 00:00:00', 'idp', '', 'session_event', '{}'), "
                            + "('\u00e9v-3-" + day + "', '" + day + " 12:00:00.5', 'hub', 'sess-2', 'session_event', '[1,2]')",
                    "INSERT INTO billing.billing_events VALUES ('" + day + " 11:00:00.000001', 'sess-1', 'pid-1', "
                            + "'req-1', 'idp-a', 'LEVEL_1', 'LEVEL_2', NULL, 'bill-" + day + "', 'rp-a')",
                    "INSERT INTO billing.fraud_events VALUES ('fraud-" + day + "', '" + day + " 13:00:00', 'sess-1', "
                            + "'pid-1', NULL, 'idp-a', 'fe-1', 'FI01', 'rp-a')",
                    "WITH s AS (INSERT INTO idp_data.upload_sessions (time_stamp, source_file_name, idp_entity_id, "
                            + "userid, passed_validation, source_object, finished_at) VALUES ('" + day + " 09:00:00', "
                            + "'x,\"y\".csv', 'idp-a', 'user-1', false, 'upload/" + day + "', '" + day + " 09:00:01') "
                            + "RETURNING id), f AS (INSERT INTO idp_data.upload_session_validation_failures "
                            + "(upload_session_id, row, field, message) SELECT id, 3, 'pid', 'is required' FROM s) "
                            + "INSERT INTO idp_data.idp_fraud_events (idp_entity_id, idp_event_id, time_stamp, "
                            + "fid_code, request_id, pid, client_ip_address, contra_score, upload_session_id) "
                            + "SELECT 'idp-a', 'e-" + day + "', '" + day + " 08:00:00', 'F1', 'r', 'p', '10.0.0.1', "
                            + "-3, id FROM s",
                    "INSERT INTO idp_data.idp_fraud_event_contraindicators SELECT id, c, 2 FROM "
                            + "idp_data.idp_fraud_events, (VALUES ('V1'), ('T1')) v(c) WHERE idp_event_id = 'e-" + day + "'");
        }
    }

    /** Every key in the bucket. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket)).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    /** The keys that start with {@code prefix}: one folder's listing rather than the whole bucket's. */
    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    public Manifest manifest(String key) {
        try {
            return Manifest.parse(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Manifest> manifests() {
        return keys().stream().filter(k -> k.startsWith("_manifests/") && k.endsWith(".json")).sorted()
                .map(this::manifest).toList();
    }

    /**
     * The Parquet objects of a table's day as Athena finds them: the lines of the day's {@code _athena} index files,
     * every part's, in part order (never a listing of the folder, where an interrupted run's objects may lie).
     */
    public List<String> indexed(String table, LocalDate day) {
        String prefix = "s3://" + bucket + "/";
        List<String> objects = new ArrayList<>();
        for (String index : keys("_athena/" + table + "/date=" + day + "/").stream().sorted().toList()) {
            String lines = s3.getObjectAsBytes(r -> r.bucket(bucket).key(index)).asUtf8String();
            for (String line : lines.split("\n")) {
                if (!line.startsWith(prefix)) {
                    throw new IllegalStateException(index + " names an object outside the bucket: " + line);
                }
                objects.add(line.substring(prefix.length()));
            }
        }
        return objects;
    }

    /** The day's rows as DuckDB reads them through the Athena index, in file order. */
    public List<Object[]> readIndexed(ExportedTable table, LocalDate day, List<ColumnType> types, List<String> names) {
        List<String> objects = indexed(table.shortName(), day);
        return objects.isEmpty() ? List.of()
                : readWithDuckDb(objects.stream().map(this::download).toList(), types, names);
    }

    /** An object downloaded to a temporary file (DuckDB reads files). */
    public Path download(String key) {
        try {
            Path file = Files.createTempFile("export-test-", key.endsWith(".parquet") ? ".parquet" : ".csv.gz");
            Files.delete(file);
            s3.getObject(r -> r.bucket(bucket).key(key), ResponseTransformer.toFile(file));
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The rows of Parquet files as DuckDB reads them, typed as the export's canonical form takes them (timestamps
     * as microseconds since the epoch, by DuckDB's own {@code epoch_us}), in file order.
     */
    public static List<Object[]> readWithDuckDb(List<Path> files, List<ColumnType> types, List<String> names) {
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < names.size(); i++) {
            select.append(i == 0 ? "" : ", ").append(types.get(i) == ColumnType.TIMESTAMP
                    ? "epoch_us(\"" + names.get(i) + "\")" : "\"" + names.get(i) + "\"");
        }
        select.append(" FROM read_parquet([");
        for (int i = 0; i < files.size(); i++) {
            select.append(i == 0 ? "'" : ", '").append(files.get(i)).append("'");
        }
        select.append("])");
        List<Object[]> rows = new ArrayList<>();
        synchronized (ExportFixture.class) {
            try (Statement s = duckDb().createStatement(); ResultSet rs = s.executeQuery(select.toString())) {
                while (rs.next()) {
                    rows.add(row(rs, types));
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return rows;
    }

    /** DuckDB's own description of a Parquet file's columns: name, physical type, logical type. */
    public static List<String> parquetSchema(Path file) {
        List<String> columns = new ArrayList<>();
        synchronized (ExportFixture.class) {
            try (Statement s = duckDb().createStatement();
                 ResultSet rs = s.executeQuery("SELECT name, type, logical_type FROM parquet_schema('" + file + "') "
                         + "WHERE type IS NOT NULL")) {
                while (rs.next()) {
                    columns.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return columns;
    }

    /**
     * One in-memory DuckDB for the test JVM, which reads only the files each query names: opening one took 15-40 ms,
     * and the export's tests read back hundreds of files. One statement at a time (callers hold the class's lock).
     */
    private static Connection duckDb() throws SQLException {
        if (duckDb == null) {
            duckDb = DriverManager.getConnection("jdbc:duckdb:");
        }
        return duckDb;
    }

    /**
     * The day's rows straight from PostgreSQL, in the export's key order, typed as above: timestamps converted by
     * PostgreSQL itself ({@code extract(epoch …)}), JSON by its own text form.
     */
    public List<Object[]> databaseRows(ExportedTable table, LocalDate day) {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            ResultSetMetaData meta;
            List<ColumnType> types = new ArrayList<>();
            List<String> names = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT * FROM " + table.name() + " LIMIT 0")) {
                meta = rs.getMetaData();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    if (meta.getColumnName(i).equals(ExportedTable.RECORDED_XID)) {
                        continue; // not exported
                    }
                    names.add(meta.getColumnName(i));
                    types.add(ColumnType.ofPostgres(meta.getColumnTypeName(i)));
                }
            }
            StringBuilder select = new StringBuilder("SELECT ");
            for (int i = 0; i < names.size(); i++) {
                String col = "t." + names.get(i);
                select.append(i == 0 ? "" : ", ").append(switch (types.get(i)) {
                    case TIMESTAMP -> "(extract(epoch FROM " + col + ") * 1000000)::bigint";
                    case JSON -> col + "::text";
                    default -> col;
                });
            }
            String query = table.plainRowsQuery().replaceFirst("SELECT t\\.\\*", select.toString())
                    .replace("?", "'%s'");
            query = query.formatted(literal(day), literal(day.plusDays(1)));
            List<Object[]> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(query)) {
                while (rs.next()) {
                    rows.add(row(rs, types));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A day's start as PostgreSQL reads a timestamp: years before 1 as BC, years past 9999 without ISO's '+'. */
    private static String literal(LocalDate day) {
        int year = day.getYear();
        return String.format("%04d-%02d-%02d 00:00:00%s", year <= 0 ? 1 - year : year, day.getMonthValue(),
                day.getDayOfMonth(), year <= 0 ? " BC" : "");
    }

    /** One row, each column read as its type's Java form (either engine's JDBC driver). */
    private static Object[] row(ResultSet rs, List<ColumnType> types) throws SQLException {
        Object[] row = new Object[types.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = switch (types.get(i)) {
                case TEXT, JSON -> rs.getString(i + 1);
                case INT32 -> rs.getInt(i + 1);
                case INT64, TIMESTAMP -> rs.getLong(i + 1);
                case BOOLEAN -> rs.getBoolean(i + 1);
            };
            if (rs.wasNull()) {
                row[i] = null;
            }
        }
        return row;
    }
}
