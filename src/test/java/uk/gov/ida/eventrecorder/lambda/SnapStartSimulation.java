package uk.gov.ida.eventrecorder.lambda;

/**
 * Calls a handler's SnapStart hooks as Lambda's runtime does around a snapshot. org.crac's global context refuses
 * to be driven outside a CRaC runtime, so the benchmark reaches the registered resource directly.
 */
public final class SnapStartSimulation {
    private SnapStartSimulation() {
    }

    public static void checkpoint(SqsEventHandler handler) {
        handler.container().beforeCheckpoint(null);
    }

    public static void restore(SqsEventHandler handler) {
        handler.container().afterRestore(null);
    }
}
