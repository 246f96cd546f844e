package uk.gov.ida.eventrecorder.store;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.testing.EventBuilder;
import uk.gov.ida.eventrecorder.testing.Tables;
import uk.gov.ida.eventrecorder.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writers racing for the same events, as many containers do when a standard queue delivers an event twice or a
 * redrive replays a batch that is also being retried. {@code INSERT … ON CONFLICT DO NOTHING} waits for another
 * transaction's uncommitted row with the same key, so two batches that take the same keys in opposite orders wait
 * for each other: PostgreSQL breaks the cycle after {@code deadlock_timeout} by failing one of them (40P01).
 */
class ConcurrentWritersTest {
    private final TestDatabase database = TestDatabase.get();
    private final Tables tables = new Tables(database.dataSource());
    private final EventParser parser = new EventParser();

    @BeforeEach
    void setUp() {
        database.truncateAll();
    }

    @Test
    void containersRecordingTheSameEventsInShuffledBatchesNeverDeadlockEachOther() throws Exception {
        int writers = 8;
        int rounds = 150;
        List<AuditEvent> parsed = IntStream.range(0, rounds * 10 + 20)
                .mapToObj(i -> i % 3 == 0 ? EventBuilder.billing() : i % 3 == 1 ? EventBuilder.fraud()
                        : EventBuilder.otherSession())
                .map(e -> parser.parse(e.json()))
                .toList();
        long deadlocksBefore = deadlocks();
        // Every writer starts each round at once, on the same 20 events not yet recorded, 10 of them each in its
        // own order: the rows they meet are each other's, uncommitted.
        CyclicBarrier round = new CyclicBarrier(writers);
        ExecutorService threads = Executors.newFixedThreadPool(writers);
        List<HikariDataSource> pools = new ArrayList<>();
        List<Future<Long>> recorded = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                Random random = new Random(w);
                // Each writer is a container: its own repository, circuit and connection.
                HikariDataSource pool = TestDatabase.open(database.settings(), 1);
                pools.add(pool);
                EventRepository repository = new EventRepository(pool, new DatabaseCircuit(Duration.ofSeconds(1)),
                        Duration.ofSeconds(20));
                recorded.add(threads.submit(() -> {
                    long mine = 0;
                    for (int r = 0; r < rounds; r++) {
                        List<AuditEvent> window = new ArrayList<>(parsed.subList(r * 10, r * 10 + 20));
                        Collections.shuffle(window, random);
                        round.await(30, TimeUnit.SECONDS);
                        mine += repository.record(window.subList(0, 10)).stream()
                                .filter(result -> result.status() == StoreResult.Status.RECORDED).count();
                    }
                    return mine;
                }));
            }
            long total = 0;
            for (Future<Long> f : recorded) {
                total += f.get(120, TimeUnit.SECONDS); // a batch that failed would throw here
            }

            long seen = tables.count("audit.audit_events");
            assertEquals(seen, total, "each row written was counted as recorded by exactly one writer");
        } finally {
            threads.shutdownNow();
            pools.forEach(HikariDataSource::close); // a closing backend hands its statistics over at once
        }
        assertEquals(0, deadlocksSince(deadlocksBefore), "PostgreSQL detected no deadlock among the writers");
    }

    @Test
    void aDeadlockWithAnotherWriterIsTriedAgainAtOnceWithoutOpeningTheCircuit() throws Exception {
        List<AuditEvent> pair = new ArrayList<>(List.of(parser.parse(EventBuilder.otherSession().json()),
                parser.parse(EventBuilder.otherSession().json())));
        pair.sort(Comparator.comparing(AuditEvent::eventId)); // the repository writes them in this order
        AuditEvent first = pair.get(0);
        AuditEvent second = pair.get(1);
        HikariDataSource pool = TestDatabase.open(database.settings(), 1);
        EventRepository repository = new EventRepository(pool, new DatabaseCircuit(Duration.ofSeconds(30)),
                Duration.ofSeconds(20));
        long deadlocksBefore = deadlocks();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (pool; Connection other = database.dataSource().getConnection()) {
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                // The other writer never runs the deadlock check itself, so the recorder's statement is the victim.
                s.execute("SET deadlock_timeout = '60s'");
            }
            insertAuditRow(other, second);

            // The recorder writes the first row, then waits for the other writer's uncommitted second row.
            Future<List<StoreResult>> recording = threads.submit(() -> repository.record(List.of(second, first)));
            awaitWaitingOnALock("audit_rows");
            // The other writer now wants the recorder's first row: a cycle, which PostgreSQL breaks by failing the
            // recorder's statement after its deadlock_timeout (1 s). The retry waits for the other writer again.
            Future<?> otherInsert = threads.submit(() -> {
                insertAuditRow(other, first);
                return null;
            });
            otherInsert.get(30, TimeUnit.SECONDS);
            awaitWaitingOnALock("audit_rows");
            other.rollback();

            List<StoreResult> results = recording.get(30, TimeUnit.SECONDS);

            assertEquals(List.of(StoreResult.Status.RECORDED, StoreResult.Status.RECORDED),
                    results.stream().map(StoreResult::status).toList());
            assertEquals(2, repository.statementsExecuted(), "the statement that lost the deadlock, and its retry");
            assertTrue(repository.acceptingWork(), "a lost race is not an outage: the circuit stays closed");
            pool.close(); // a closing backend hands its statistics over at once
            assertEquals(1, deadlocksSince(deadlocksBefore), "PostgreSQL reported the deadlock");
            assertEquals(1, tables.audit(first.eventId()).size());
            assertEquals(1, tables.audit(second.eventId()).size());
        } finally {
            threads.shutdownNow();
        }
    }

    private static void insertAuditRow(Connection connection, AuditEvent event) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO audit.audit_events "
                + "(event_id, time_stamp, originating_service, event_type) VALUES (?, ?, 'other-writer', 'x')")) {
            insert.setString(1, event.eventId());
            insert.setObject(2, event.timeStamp());
            insert.executeUpdate();
        }
    }

    private void awaitWaitingOnALock(String queryFragment) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!tables.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND wait_event_type = 'Lock' AND query LIKE ?",
                    "%" + queryFragment + "%").isEmpty()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the recorder's statement never waited for the other writer");
    }

    private long deadlocks() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = s.executeQuery(
                    "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Deadlocks PostgreSQL counted since; a backend that has closed has already handed its count over. */
    private long deadlocksSince(long before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        long now = deadlocks();
        while (now == before && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = deadlocks();
        }
        return now - before;
    }
}
