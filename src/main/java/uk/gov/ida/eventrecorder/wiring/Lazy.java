package uk.gov.ida.eventrecorder.wiring;

import uk.gov.ida.eventrecorder.Deadline;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Thread-safe memoisation of a value built on first use; a failed build is retried on the next use. A caller working
 * for an invocation waits for another thread's build (the start-up's warm-up, a SnapStart restore) only as long as
 * the invocation has ({@link Deadline#current()}): a build stuck in an outside call must not hold the invocation past
 * its time, so the wait ends with {@code stillBuilding}'s exception instead.
 */
public final class Lazy<T> implements Supplier<T> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Supplier<? extends RuntimeException> stillBuilding;
    private Supplier<T> factory;
    private volatile T value;

    public Lazy(Supplier<T> factory) {
        this(factory, () -> new IllegalStateException("still being built by another thread"));
    }

    /** @param stillBuilding what a caller meets when its invocation's time runs out while another thread builds it */
    public Lazy(Supplier<T> factory, Supplier<? extends RuntimeException> stillBuilding) {
        this.factory = factory;
        this.stillBuilding = stillBuilding;
    }

    @Override
    public T get() {
        T v = value;
        if (v != null) {
            return v;
        }
        if (!Deadline.lock(lock)) {
            throw stillBuilding.get();
        }
        try {
            v = value;
            if (v == null) {
                v = factory.get();
                value = v;
                factory = null;
            }
            return v;
        } finally {
            lock.unlock();
        }
    }

    public void ifBuilt(Consumer<T> action) {
        T v = value;
        if (v != null) {
            action.accept(v);
        }
    }

    /** The value if it has been built, else null. */
    public T ifBuiltOrNull() {
        return value;
    }
}
