package uk.gov.ida.eventrecorder.wiring;

import java.util.function.Consumer;
import java.util.function.Supplier;

/** Thread-safe memoisation of a value built on first use; a failed build is retried on the next use. */
public final class Lazy<T> implements Supplier<T> {
    private Supplier<T> factory;
    private volatile T value;

    public Lazy(Supplier<T> factory) {
        this.factory = factory;
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = factory.get();
                    value = v;
                    factory = null;
                }
            }
        }
        return v;
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
