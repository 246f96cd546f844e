package uk.gov.ida.eventrecorder.export;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * The same rows as CSV (RFC 4180), gzip'd, for consumers that want text: a header of column names, then each value
 * in its canonical text ({@link uk.gov.ida.eventrecorder.digest.ColumnType#canonical}). Every value is quoted, with
 * its quotes doubled, and NULL is the empty field without quotes, so NULL and the empty string stay apart and no
 * value is altered, whatever commas, quotes or line breaks it holds.
 */
final class CsvRows implements AutoCloseable {
    private final TableColumns columns;
    private final GZIPOutputStream gzip;
    private final Writer out;

    CsvRows(TableColumns columns, S3Upload upload) throws IOException {
        this.columns = columns;
        this.gzip = new GZIPOutputStream(upload, 64 * 1024);
        this.out = new BufferedWriter(new OutputStreamWriter(gzip, StandardCharsets.UTF_8), 64 * 1024);
        for (int i = 0; i < columns.names().size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            quoted(columns.names().get(i));
        }
        out.write("\r\n");
    }

    void write(Object[] row) throws IOException {
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                out.write(',');
            }
            if (row[i] != null) {
                quoted(columns.types().get(i).canonical(row[i]));
            }
        }
        out.write("\r\n");
    }

    private void quoted(String value) throws IOException {
        out.write('"');
        if (value.indexOf('"') < 0) {
            out.write(value);
        } else {
            out.write(value.replace("\"", "\"\""));
        }
        out.write('"');
    }

    @Override
    public void close() throws IOException {
        out.flush();
        gzip.finish();
    }
}
