package uk.gov.ida.eventrecorder.export;

import blue.strategic.parquet.Hydrator;
import blue.strategic.parquet.HydratorSupplier;
import blue.strategic.parquet.ParquetReader;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import uk.gov.ida.eventrecorder.digest.Manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.Stream;

/**
 * The rows a day's parts hold, read back from their Parquet objects, in key order across parts (each part is in key
 * order; an addendum holds only keys its day's earlier parts lack). Each object is downloaded to a temporary file
 * (Parquet is read from its footer) and read a row group at a time.
 */
public final class ExportedRows implements Iterator<Object[]>, AutoCloseable {
    private final List<Path> files = new ArrayList<>();
    private final List<Stream<Object[]>> streams = new ArrayList<>();
    private final PriorityQueue<Head> heads;

    private record Head(Object[] row, Iterator<Object[]> rest) {
    }

    public ExportedRows(S3Client s3, String bucket, List<Manifest> parts, TableColumns columns) throws IOException {
        this.heads = new PriorityQueue<>((a, b) -> columns.compareKeys(a.row(), b.row()));
        try {
            for (Manifest part : parts) {
                for (Manifest.StoredObject object : part.objects()) {
                    if (!object.format().equals("parquet")) {
                        continue;
                    }
                    Path file = Files.createTempFile("event-recorder-export-", ".parquet");
                    files.add(file);
                    Files.delete(file);
                    s3.getObject(r -> r.bucket(bucket).key(object.key()), ResponseTransformer.toFile(file));
                    Stream<Object[]> rows = ParquetReader.streamContent(file.toFile(), hydrator(columns));
                    streams.add(rows);
                    advance(rows.iterator());
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void advance(Iterator<Object[]> rows) {
        if (rows.hasNext()) {
            heads.add(new Head(rows.next(), rows));
        }
    }

    @Override
    public boolean hasNext() {
        return !heads.isEmpty();
    }

    @Override
    public Object[] next() {
        Head head = heads.poll();
        if (head == null) {
            throw new java.util.NoSuchElementException();
        }
        advance(head.rest());
        return head.row();
    }

    /** The next row's key order without taking it, or null at the end. */
    public Object[] peek() {
        Head head = heads.peek();
        return head == null ? null : head.row();
    }

    private static HydratorSupplier<Object[], Object[]> hydrator(TableColumns columns) {
        return ignored -> new Hydrator<>() {
            @Override
            public Object[] start() {
                return new Object[columns.names().size()];
            }

            @Override
            public Object[] add(Object[] target, String heading, Object value) {
                int at = columns.names().indexOf(heading);
                if (at < 0) {
                    throw new IllegalStateException("the exported file has a column the table lacks: " + heading);
                }
                // Text as the database's rows carry it (UTF-8 bytes), so that the two compare value for value.
                target[at] = value instanceof String text ? text.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                        : value;
                return target;
            }

            @Override
            public Object[] finish(Object[] target) {
                return target;
            }
        };
    }

    @Override
    public void close() {
        streams.forEach(Stream::close);
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
