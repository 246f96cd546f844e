package uk.gov.ida.eventrecorder.ledger;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.SignRequest;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import uk.gov.ida.eventrecorder.config.DatabaseSettings;
import uk.gov.ida.eventrecorder.export.ExportedTable;
import uk.gov.ida.eventrecorder.testing.CuttableProxy;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.LedgerFixture;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint run in bad weather: the database lost mid-run, a failover to a database that lacks the last
 * checkpoint, KMS unreachable, two runs at once (and one whose lock was lost), and a stop between any two of its
 * writes. Each ends with the same checks: the bucket alone rebuilds every signed root, each checkpoint key was written
 * once, and every row recorded after the genesis is exactly one RECORDED leaf. Faults a server cannot make on demand are injected at
 * the network edge ({@link CuttableProxy}) or at the AWS clients' edge (an SDK interceptor that throws before a
 * request is sent, or after its answer came back, as a process that died there would leave it).
 */
class LedgerWeatherTest {
    private final LedgerFixture ledger = new LedgerFixture();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    @Test
    void aDatabaseOutageMidRunLeavesNothingHalfDoneAndTheNextRunCatchesUp() throws Exception {
        CuttableProxy proxy = new CuttableProxy(ledger.db.settings().host(), ledger.db.settings().port());
        closeLater.add(proxy);
        HikariDataSource through = pool(proxy);
        Checkpointer checkpointer = ledger.checkpointer(through, ledger.kms);
        checkpointer.run();

        // The database goes as the run signs: its leaves are written, its checkpoint not yet
        ledger.record(EventBuilder.billing(), EventBuilder.fraud());
        ledger.before(SignRequest.class, r -> proxy.cut());
        assertThrows(SQLException.class, checkpointer::run);
        proxy.restore();
        through.getHikariPoolMXBean().softEvictConnections();
        assertEquals(1, ledger.tables.count("ledger.checkpoints"));
        assertEquals(0, ledger.tables.count("ledger.leaves"));

        // And again after its object is written, before it is marked published
        ledger.faults.clear();
        ledger.faults.add((request, before) -> {
            if (request instanceof PutObjectRequest && !before) {
                proxy.cut();
            }
        });
        assertThrows(SQLException.class, checkpointer::run);
        proxy.restore();
        through.getHikariPoolMXBean().softEvictConnections();
        ledger.faults.clear();

        ledger.record(EventBuilder.otherSession());
        LedgerReport after = checkpointer.run();
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, after.outcome());
        assertEquals(2, after.published(), "the one left unmarked, then its own");
        assertEquals(1, after.newLeaves());
        assertHolds();
    }

    @Test
    void aFailoverToADatabaseThatLacksTheLastCheckpointWarnsAndNeverForks() {
        ledger.run();
        ledger.record(EventBuilder.billing());
        ledger.run();
        ledger.record(EventBuilder.billing(), EventBuilder.otherSession());
        ledger.run();
        // The promoted replica had not received the last checkpoint's transaction: its row, leaves and nodes
        Map<String, Object> last = ledger.tables.query("SELECT tree_size FROM ledger.checkpoints WHERE sequence = 1")
                .get(0);
        long size = ((Number) last.get("tree_size")).longValue();
        ledger.db.admin("DELETE FROM ledger.checkpoints WHERE sequence = 2",
                "DELETE FROM ledger.leaves WHERE position >= " + size,
                "DELETE FROM ledger.nodes WHERE (idx + 1) * (2 ^ level)::bigint > " + size);
        int puts = ledger.puts.get();
        int signs = ledger.signs.get();
        ledger.record(EventBuilder.billing());

        LedgerReport stopped = ledger.run();
        LedgerReport again = ledger.run();

        assertEquals(LedgerReport.Outcome.STOPPED, stopped.outcome());
        assertTrue(stopped.warnings().get(0).contains("after the database's last checkpoint, 1"),
                stopped.warnings().toString());
        assertEquals(LedgerReport.Outcome.STOPPED, again.outcome());
        assertEquals(puts, ledger.puts.get(), "no write");
        assertEquals(signs, ledger.signs.get(), "nothing signed");
        assertEquals(3, ledger.objects().size());
        assertEquals(List.of(), ledger.auditBucket());
        assertOneVersionEach();
    }

    @Test
    void aKmsOutageCommitsNothingAndTheNextRunCatchesUp() throws Exception {
        CuttableProxy proxy = new CuttableProxy("127.0.0.1", ledger.moto.endpoint().getPort());
        closeLater.add(proxy);
        KmsClient throughProxy = LedgerFixture.kms(java.net.URI.create("http://127.0.0.1:" + proxy.port()),
                ClientOverrideConfiguration.builder().build());
        closeLater.add(throughProxy);
        Checkpointer checkpointer = ledger.checkpointer(ledger.db.dataSource(), throughProxy);
        checkpointer.run();
        ledger.record(EventBuilder.billing(), EventBuilder.fraud());
        long checkpoints = ledger.tables.count("ledger.checkpoints");

        proxy.cut();
        assertThrows(RuntimeException.class, checkpointer::run);
        assertThrows(RuntimeException.class, checkpointer::run);
        assertEquals(checkpoints, ledger.tables.count("ledger.checkpoints"));
        assertEquals(0, ledger.tables.count("ledger.leaves"));

        proxy.restore();
        ledger.record(EventBuilder.otherSession());
        LedgerReport after = checkpointer.run();
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, after.outcome());
        assertEquals(5, after.newLeaves());
        assertHolds();
    }

    @Test
    void runsAtOnceWriteEachSequenceOnceAndNoLeafTwice() throws Exception {
        ledger.run();
        Checkpointer runs3 = ledger.checkpointer(pool(ledger.db.settings().port(), 8), ledger.kms);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicBoolean recording = new AtomicBoolean(true);
        Map<LedgerReport.Outcome, AtomicInteger> outcomes = new HashMap<>();
        for (LedgerReport.Outcome o : LedgerReport.Outcome.values()) {
            outcomes.put(o, new AtomicInteger());
        }
        try {
            Future<?> recorder = pool.submit(() -> {
                while (recording.get()) {
                    ledger.record(EventBuilder.billing(), EventBuilder.otherSession());
                }
            });
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        try {
                            outcomes.get(runs3.run().outcome()).incrementAndGet();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get(5, TimeUnit.MINUTES);
            }
            recording.set(false);
            recorder.get(1, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        ledger.run();

        assertEquals(0, outcomes.get(LedgerReport.Outcome.STOPPED).get(), outcomes.toString());
        assertTrue(outcomes.get(LedgerReport.Outcome.CHECKPOINTED).get() > 1, outcomes.toString());
        assertHolds();
    }

    @Test
    void aRunWhoseLockWasLostAndASecondRunWriteTheSequenceOnceBetweenThem() throws Exception {
        ledger.run();
        ledger.record(EventBuilder.billing(), EventBuilder.fraud());
        // Run A, as it signs: its lock's connection is dropped (the lock goes with it) and run B starts, finds the
        // same rows and waits on A's uncommitted leaves; A then signs and commits
        Checkpointer runB = ledger.checkpointer(pool(ledger.db.settings().port(), 2), ledger.kms);
        CompletableFuture<LedgerReport> b = new CompletableFuture<>();
        String lockHolder = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM "
                + "pg_database WHERE datname = current_database()) AND objid = " + (Checkpointer.LOCK & 0xFFFFFFFFL)
                + " AND granted";
        ledger.before(SignRequest.class, request -> {
            ledger.db.admin("SELECT pg_terminate_backend(pid) FROM (" + lockHolder + ") holder");
            // The backend ends, and its lock with it, some time after the signal: on a busy machine run B found
            // the lock still held (BUSY) when it started at once.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!ledger.tables.query(lockHolder).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the terminated backend still holds the ledger's lock");
                Thread.onSpinWait();
            }
            Thread second = new Thread(() -> {
                try {
                    b.complete(runB.run());
                } catch (Throwable e) {
                    b.completeExceptionally(e);
                }
            });
            second.start();
            while (!b.isDone() && ledger.tables.query("SELECT 1 FROM pg_locks l JOIN pg_stat_activity a "
                    + "ON a.pid = l.pid WHERE NOT l.granted AND l.locktype = 'transactionid' "
                    + "AND a.datname = current_database()").isEmpty()) {
                Thread.onSpinWait();
            }
        });

        LedgerReport a = ledger.checkpointer().run();

        assertEquals(LedgerReport.Outcome.CHECKPOINTED, a.outcome());
        assertEquals(LedgerReport.Outcome.OVERTAKEN, b.get(1, TimeUnit.MINUTES).outcome());
        assertEquals(1, a.sequence());
        assertEquals(LedgerReport.Outcome.IDLE, ledger.run().outcome());
        assertHolds();
    }

    /** Where a run stops, between two of its writes (the test names how the stop is injected). */
    enum Stop {
        /** the genesis signed, the process gone before its commit (KMS's answer is lost) */
        GENESIS_AFTER_SIGN(true, SignRequest.class, false),
        /** the genesis committed, gone before its PUT */
        GENESIS_BEFORE_PUT(true, PutObjectRequest.class, true),
        /** leaves written, gone as it asks KMS to sign */
        BEFORE_SIGN(false, SignRequest.class, true),
        /** signed, gone before its commit */
        AFTER_SIGN(false, SignRequest.class, false),
        /** committed, gone before its PUT */
        BEFORE_PUT(false, PutObjectRequest.class, true),
        /** its object written, gone before marking it published */
        AFTER_PUT(false, PutObjectRequest.class, false);

        final boolean genesis;
        final Class<? extends SdkRequest> at;
        final boolean before;

        Stop(boolean genesis, Class<? extends SdkRequest> at, boolean before) {
            this.genesis = genesis;
            this.at = at;
            this.before = before;
        }
    }

    @ParameterizedTest
    @EnumSource(Stop.class)
    void aRunStoppedBetweenAnyTwoOfItsWritesIsCompletedByTheNextAndNoLeafIsLostOrDoubled(Stop stop) {
        if (!stop.genesis) {
            ledger.run();
            ledger.record(EventBuilder.billing(), EventBuilder.fraud(), EventBuilder.otherSession());
        }
        ledger.once(stop.at, stop.before, new IllegalStateException("the run stopped here (injected)"));
        assertThrows(RuntimeException.class, ledger::run);
        // A second stop, after the next run's first object is written: the one after finishes both
        ledger.record(EventBuilder.fraud());
        ledger.once(PutObjectRequest.class, false, new IllegalStateException("stopped again (injected)"));
        assertThrows(RuntimeException.class, ledger::run);

        ledger.record(EventBuilder.billing());
        LedgerReport finished = ledger.run();
        ledger.record(EventBuilder.otherSession());
        LedgerReport next = ledger.run();

        assertEquals(LedgerReport.Outcome.CHECKPOINTED, finished.outcome());
        assertEquals(LedgerReport.Outcome.CHECKPOINTED, next.outcome());
        assertEquals(List.of(), finished.warnings());
        assertEquals(0, ledger.tables.count("ledger.checkpoints WHERE published_at IS NULL"));
        assertHolds();
    }

    /**
     * The bucket alone rebuilds every root and each proof holds; each key written once; the database's root is the
     * bucket's; every row in the tables is exactly one RECORDED leaf.
     */
    private void assertHolds() {
        assertEquals(List.of(), ledger.auditBucket());
        assertOneVersionEach();
        List<CheckpointObject> objects = ledger.objects();
        CheckpointObject last = objects.get(objects.size() - 1);
        Map<String, Object> stored = ledger.tables.query("SELECT sequence, root FROM ledger.checkpoints ORDER BY "
                + "sequence DESC LIMIT 1").get(0);
        assertEquals(last.checkpoint().sequence(), ((Number) stored.get("sequence")).longValue());
        assertTrue(java.util.Arrays.equals(last.checkpoint().root(), (byte[]) stored.get("root")));
        Map<String, Integer> recorded = new HashMap<>();
        for (LeafEntry e : ledger.publishedEntries()) {
            if (e.kind() == LeafEntry.Kind.RECORDED) {
                recorded.merge(e.table() + " " + e.key(), 1, Integer::sum);
            }
        }
        recorded.forEach((key, n) -> assertEquals(1, n, key));
        // Rows the genesis could see (recorded before a genesis that a stop delayed) are before the ledger
        long rows = ExportedTable.ALL.stream().mapToLong(t -> ledger.tables.count(t.name() + " WHERE NOT "
                + "pg_visible_in_snapshot(recorded_xid::text::xid8, (SELECT snapshot::pg_snapshot FROM "
                + "ledger.checkpoints WHERE sequence = 0))")).sum();
        assertEquals(rows, recorded.size(), "every row after the genesis one leaf");
    }

    private void assertOneVersionEach() {
        Map<String, Integer> versions = new HashMap<>();
        for (ObjectVersion v : ledger.versions()) {
            versions.merge(v.key(), 1, Integer::sum);
        }
        versions.forEach((key, n) -> assertEquals(1, n, key + " written once"));
    }

    private HikariDataSource pool(CuttableProxy proxy) {
        return pool(proxy.port(), 2);
    }

    /** A pool of its own, on {@code port} (the database's, or a proxy's), for a run beside the others. */
    private HikariDataSource pool(int port, int size) {
        DatabaseSettings direct = ledger.db.settings();
        HikariDataSource pool = TestDatabase.open(new DatabaseSettings(direct.host(), port, direct.database(),
                direct.user(), direct.password(), direct.sslMode(), direct.sslRootCert()), size);
        closeLater.add(pool);
        return pool;
    }
}
