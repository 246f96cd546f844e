package uk.gov.ida.eventrecorder.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OutageBackoffTest {
    private final OutageBackoff defaults = new OutageBackoff(() -> {
        throw new AssertionError("no SQS call for arithmetic");
    }, Duration.ofSeconds(360), Duration.ofSeconds(43_200));

    @Test
    void theVisibilityDoublesWithEachReceiveFromTheBaseUpToTheMaximum() {
        assertEquals(360, defaults.visibilitySeconds(1));
        assertEquals(720, defaults.visibilitySeconds(2));
        assertEquals(1_440, defaults.visibilitySeconds(3));
        assertEquals(23_040, defaults.visibilitySeconds(7));
        assertEquals(43_200, defaults.visibilitySeconds(8));
        assertEquals(43_200, defaults.visibilitySeconds(1_000), "no overflow on a message received very often");
        assertEquals(360, defaults.visibilitySeconds(0), "an unknown receive count counts as the first");
    }
}
