package uk.gov.ida.eventrecorder.export;

import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.ColumnType;
import uk.gov.ida.eventrecorder.digest.ExportLayout;
import uk.gov.ida.eventrecorder.digest.Manifest;
import uk.gov.ida.eventrecorder.digest.RowDigest;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * One part of one table's day, written as its rows stream by: the row digest, the Parquet object, the CSV object when
 * asked for, the count and the time range. The objects are published only by {@link #finish}; a part with no rows
 * writes no object.
 */
final class PartWriter implements AutoCloseable {
    /** What a finished part wrote, for its manifest. */
    record Written(long rows, String rowsSha256, String firstTimeStamp, String lastTimeStamp,
                   List<Manifest.StoredObject> objects) {
    }

    private final S3Client s3;
    private final String bucket;
    private final ExportLayout layout;
    private final ExportedTable table;
    private final LocalDate day;
    private final int part;
    private final boolean csv;
    private final String runId;
    private final TableColumns columns;
    private final RowDigest digest;
    private S3Upload parquetUpload;
    private S3Upload csvUpload;
    private ParquetRows parquet;
    private CsvRows csvRows;
    private long written;
    private long first = Long.MAX_VALUE;
    private long last = Long.MIN_VALUE;

    PartWriter(S3Client s3, String bucket, ExportLayout layout, ExportedTable table, LocalDate day, int part,
               boolean csv, String runId, TableColumns columns) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
        this.table = table;
        this.day = day;
        this.part = part;
        this.csv = csv;
        this.runId = runId;
        this.columns = columns;
        this.digest = new RowDigest(columns.types());
    }

    /** The part's row digest, for a reader that adds each row to it itself ({@link #writeDigested}). */
    RowDigest digest() {
        return digest;
    }

    void write(Object[] row, long dayMicros) throws IOException {
        digest.add(row);
        writeDigested(row, dayMicros);
    }

    /** A row already added to {@link #digest()}, in order. */
    void writeDigested(Object[] row, long dayMicros) throws IOException {
        if (parquet == null) {
            parquetUpload = new S3Upload(s3, bucket, layout.parquetKey(table.shortName(), day, part, runId),
                    "application/vnd.apache.parquet");
            parquet = new ParquetRows(columns, parquetUpload);
            if (csv) {
                csvUpload = new S3Upload(s3, bucket, layout.csvKey(table.shortName(), day, part, runId), "application/gzip");
                csvRows = new CsvRows(columns, csvUpload);
            }
        }
        written++;
        parquet.write(row);
        if (csvRows != null) {
            csvRows.write(row);
        }
        first = Math.min(first, dayMicros);
        last = Math.max(last, dayMicros);
    }

    long rows() {
        return written;
    }

    /** Publishes the objects: the CSV first, then the Parquet file analysts' tables read. */
    Written finish() throws IOException {
        List<Manifest.StoredObject> objects = new ArrayList<>();
        if (parquet != null) {
            parquet.close();
            if (csvRows != null) {
                csvRows.close();
                objects.add(csvUpload.complete("csv.gz"));
            }
            objects.add(0, parquetUpload.complete("parquet"));
        }
        long rows = written;
        if (digest.rows() != rows) {
            throw new IllegalStateException("the digest holds " + digest.rows() + " rows, the files " + rows, null);
        }
        return new Written(rows, digest.finish(), rows == 0 ? null : ColumnType.TIMESTAMP.canonical(first),
                rows == 0 ? null : ColumnType.TIMESTAMP.canonical(last), objects);
    }

    /** Gives the part up: nothing of it becomes visible. */
    @Override
    public void close() {
        if (parquetUpload != null) {
            parquetUpload.abort();
        }
        if (csvUpload != null) {
            csvUpload.abort();
        }
    }
}
