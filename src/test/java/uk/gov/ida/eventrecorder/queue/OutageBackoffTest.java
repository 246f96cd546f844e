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

    @Test
    void theVisibilityEndsNoLaterThanTwelveHoursAfterTheReceiveLessTheTimeSinceIt() {
        assertEquals(43_190, defaults.visibilitySeconds(8, 0), "SQS refuses 43,200 s once any time has passed");
        assertEquals(43_200 - 10 - 300, defaults.visibilitySeconds(8, 300_000),
                "an event-source batch may have waited out a 300 s batching window");
        assertEquals(360, defaults.visibilitySeconds(1, 300_000), "far from the limit, the doubling decides");
        assertEquals(0, defaults.visibilitySeconds(8, 13 * 3_600_000L), "past the limit: visible again at once");
    }
}
