package uk.gov.ida.eventrecorder.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A realistic stream of events: about 70 % billing, 10 % fraud, 20 % other session and error events. */
public final class EventMix {
    private EventMix() {
    }

    public static List<EventBuilder> of(int count, long seed) {
        Random random = new Random(seed);
        List<EventBuilder> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int roll = random.nextInt(100);
            events.add(roll < 70 ? EventBuilder.billing()
                    : roll < 80 ? EventBuilder.fraud()
                    : roll < 95 ? EventBuilder.otherSession()
                    : EventBuilder.errorEvent());
        }
        return events;
    }
}
