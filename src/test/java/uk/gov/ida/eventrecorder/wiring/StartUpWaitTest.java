package uk.gov.ida.eventrecorder.wiring;

import org.junit.jupiter.api.Test;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.crypto.DataKeys;
import uk.gov.ida.eventrecorder.crypto.SecretUnavailableException;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start-up's warm-up (on-demand init, a SnapStart restore) opens the pool and loads the data keys on threads of
 * its own; the first batch joins them. A warm-up stuck in an outside call (an S3 key object or CA bundle may take 60 s)
 * must not hold that batch past its invocation's time: it waits only as long as its deadline gives, then fails as the
 * dependency it waited for, to be backed off. The stuck build is played by a latch.
 */
class StartUpWaitTest {
    @Test
    void aBatchWaitsForThePoolTheStartUpIsStillOpeningOnlyAsLongAsItsInvocationHas() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        Lazy<String> pool = new Lazy<>(() -> {
            await(stuck);
            return "pool";
        }, () -> new DatabaseUnavailableException("still opening", null));
        CompletableFuture<String> warmUp = CompletableFuture.supplyAsync(pool::get);
        Thread.sleep(100); // the warm-up holds the build

        long t0 = System.nanoTime();
        try (Deadline.Scope ignored = Deadline.of(() -> 7_300, 7_000).enter()) {
            assertThrows(DatabaseUnavailableException.class, pool::get);
        }
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(waited < 2_000, "waited " + waited + " ms for a build with 300 ms left");

        stuck.countDown();
        assertEquals("pool", warmUp.get(5, TimeUnit.SECONDS));
        try (Deadline.Scope ignored = Deadline.of(() -> 7_300, 7_000).enter()) {
            assertEquals("pool", pool.get(), "built: no wait at all");
        }
    }

    @Test
    void aBatchWaitsForTheDataKeysTheStartUpIsStillLoadingOnlyAsLongAsItsInvocationHas() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        SecretKey key = new SecretKeySpec(new byte[32], "AES");
        DataKeys keys = new DataKeys(() -> {
            await(stuck);
            return List.of(key);
        }, Duration.ofSeconds(30));
        CompletableFuture<?> warmUp = CompletableFuture.runAsync(keys::decryptor);
        Thread.sleep(100);

        try (Deadline.Scope ignored = Deadline.of(() -> 7_300, 7_000).enter()) {
            assertThrows(SecretUnavailableException.class, keys::decryptor);
        }

        stuck.countDown();
        warmUp.get(5, TimeUnit.SECONDS);
        assertNotNull(keys.decryptor());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
