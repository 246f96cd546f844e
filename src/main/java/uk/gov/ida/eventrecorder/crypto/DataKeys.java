package uk.gov.ida.eventrecorder.crypto;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.gov.ida.eventrecorder.Deadline;

import javax.crypto.SecretKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The container's data keys, loaded from KMS (and S3) on first use and then kept. When they cannot be loaded (KMS
 * down, a key policy that refuses, a wrong {@code ENCRYPTION_KEY} deployed), the batches of the next open period
 * fail at once without calling KMS, as the database circuit does for the database; then one batch tries again.
 * Every message of such a batch fails as {@code key unavailable}: a dependency failure, backed off on the queue
 * like a database outage, so a KMS outage does not use up the messages' receives.
 */
public final class DataKeys {
    private static final Logger LOG = LoggerFactory.getLogger(DataKeys.class);

    private final Supplier<List<SecretKey>> loader;
    private final CircuitBreaker<Object> breaker;
    private final FailsafeExecutor<Object> executor;
    private final Duration openFor;
    private volatile EventDecryptor decryptor;

    /** @param loader fetches and decrypts the keys ({@link DataKeySource#load}); called again after a failure */
    public DataKeys(Supplier<List<SecretKey>> loader, Duration openFor) {
        this.loader = loader;
        this.openFor = openFor;
        this.breaker = CircuitBreaker.builder()
                .handle(SecretUnavailableException.class)
                .withFailureThreshold(1)
                .withSuccessThreshold(1)
                .withDelay(openFor)
                .onOpen(e -> LOG.warn("data key circuit open: batches fail as 'key unavailable' for {} ms, then one "
                        + "tries KMS again", openFor.toMillis()))
                .onClose(e -> LOG.info("data key circuit closed: the data keys are loaded"))
                .build();
        this.executor = Failsafe.with(breaker);
    }

    /**
     * @throws SecretUnavailableException the keys could not be loaded now, or failed to load less than the open
     *                                    period ago
     */
    private final ReentrantLock lock = new ReentrantLock();

    public EventDecryptor decryptor() {
        EventDecryptor loaded = decryptor;
        if (loaded != null) {
            return loaded;
        }
        if (!Deadline.lock(lock)) {
            // The start-up's warm-up still loads them (a KMS or S3 call there may take up to a minute): the batch
            // fails as the keys' dependency, backed off, rather than wait past its invocation's time.
            throw new SecretUnavailableException("the data keys are still being loaded by the container's start-up; "
                    + "not waited for past the invocation's time");
        }
        try {
            if (decryptor == null) {
                try {
                    decryptor = new EventDecryptor(executor.get(loader::get));
                } catch (CircuitBreakerOpenException e) {
                    throw new SecretUnavailableException("the data keys failed to load less than " + openFor.toMillis()
                            + " ms ago; not tried again until the circuit's open period ends (circuit open)");
                }
            }
            return decryptor;
        } finally {
            lock.unlock();
        }
    }

    /** True while batches fail without a KMS call: a drain takes no message off the queue then. */
    public boolean isOpen() {
        return decryptor == null && breaker.isOpen() && !breaker.getRemainingDelay().isZero();
    }
}
