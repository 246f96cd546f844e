package uk.gov.ida.eventrecorder.verification;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CheckpointTimelineTest {
    private static final Instant T = Instant.parse("2026-12-07T04:00:00Z");

    @Test
    void theNewestCheckpointMadeBeforeATimeIsFoundThoughTheTimesStepBack() {
        // Given checkpoint 2 dated before checkpoint 1, as a run whose clock stepped back could date it
        CheckpointTimeline timeline = new CheckpointTimeline(new Instant[]{T, T.plusSeconds(10), T.plusSeconds(5),
                T.plusSeconds(20)});

        assertEquals(-1, timeline.newestBefore(T), "none is before the first");
        assertEquals(0, timeline.newestBefore(T.plusSeconds(1)));
        assertEquals(2, timeline.newestBefore(T.plusSeconds(6)), "checkpoint 2 is, though checkpoint 1 is not");
        assertEquals(2, timeline.newestBefore(T.plusSeconds(20)), "before, not at");
        assertEquals(3, timeline.newestBefore(T.plusSeconds(21)));
        assertEquals(-1, new CheckpointTimeline(new Instant[0]).newestBefore(T), "no checkpoint");
    }
}
