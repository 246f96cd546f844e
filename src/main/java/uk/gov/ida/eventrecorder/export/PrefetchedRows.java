package uk.gov.ida.eventrecorder.export;

import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A day's rows read on a thread of their own, a batch ahead: the driver decodes the next rows while the Parquet
 * writer encodes these (on two cores, reading and writing one after the other left one idle). Memory holds at most
 * {@link #BATCHES_AHEAD} batches of {@link #BATCH} rows.
 */
final class PrefetchedRows implements AutoCloseable {
    static final int BATCH = 1_000;
    static final int BATCHES_AHEAD = 4;

    private record Batch(Object[][] rows, long[] dayMicros, int size, Exception failure) {
    }

    private static final Batch END = new Batch(null, null, 0, null);

    private final BlockingQueue<Batch> batches = new ArrayBlockingQueue<>(BATCHES_AHEAD);
    private final Thread reader;
    private Batch current;
    private int at;
    private long dayMicros;

    private final java.util.function.Consumer<Object[]> onReaderThread;

    /**
     * @param onReaderThread work on each row in order that may run beside the writer: the row digest (a sixth of the
     *                       writer's time, moved off it)
     */
    PrefetchedRows(TableRows rows, java.util.function.Consumer<Object[]> onReaderThread) {
        this.onReaderThread = onReaderThread;
        this.reader = new Thread(() -> read(rows), "export-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(TableRows rows) {
        try {
            while (true) {
                Object[][] block = new Object[BATCH][];
                long[] days = new long[BATCH];
                int n = 0;
                for (Object[] row; n < BATCH && (row = rows.next()) != null; n++) {
                    block[n] = row;
                    days[n] = rows.dayMicros();
                    onReaderThread.accept(row);
                }
                if (n > 0) {
                    batches.put(new Batch(block, days, n, null));
                }
                if (n < BATCH) {
                    batches.put(END);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            try {
                batches.put(new Batch(null, null, 0, e));
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The next row, or null at the end; the reader's failure, if it failed. */
    Object[] next() throws SQLException {
        if (current == null || at == current.size()) {
            if (current == END) {
                return null;
            }
            try {
                current = batches.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the day's rows", null);
            }
            at = 0;
            if (current.failure() != null) {
                Exception failure = current.failure();
                current = END;
                if (failure instanceof SQLException sql) {
                    throw sql;
                }
                throw (RuntimeException) failure;
            }
            if (current == END) {
                return null;
            }
        }
        dayMicros = current.dayMicros()[at];
        return current.rows()[at++];
    }

    long dayMicros() {
        return dayMicros;
    }

    /** Stops the reader (a day given up midway) and waits for it, so the connection is free again. */
    @Override
    public void close() {
        reader.interrupt();
        batches.clear();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
