package uk.gov.ida.eventrecorder.pipeline;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.crypto.DataKeys;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.event.InvalidMessageException;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.logging.Json;
import uk.gov.ida.eventrecorder.store.EventRepository;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one pipeline every entry point uses: decrypt, parse and validate each message, record the valid ones in one
 * database round trip, and say what became of each. One bad message never fails its batch.
 */
public final class EventPipeline {
    // Its own logger name, so a log subscription (SIEM ingestion) can select these lines alone.
    private static final Logger DECRYPTED_EVENTS = LoggerFactory.getLogger("DecryptedEvents");

    private final Supplier<EventDecryptor> decryptor;
    private final EventParser parser;
    private final EventRecorder recorder;
    private final boolean logDecryptedEvents;

    /**
     * @param logDecryptedEvents also log each decrypted event, as the JSON field {@code event} of a line of the
     *                           {@code DecryptedEvents} logger (for SIEM ingestion; it carries personal data)
     */
    public EventPipeline(EventDecryptor decryptor, EventParser parser, EventRepository repository,
                         boolean logDecryptedEvents) {
        this(() -> decryptor, parser, repository, logDecryptedEvents);
    }

    /**
     * @param decryptor the data keys, loaded on first use ({@link DataKeys#decryptor}); when they cannot be had, every
     *                  message of the batch fails as {@code key unavailable}, a dependency failure
     */
    public EventPipeline(Supplier<EventDecryptor> decryptor, EventParser parser, EventRepository repository,
                         boolean logDecryptedEvents) {
        this.decryptor = decryptor;
        this.parser = parser;
        this.recorder = new EventRecorder(repository);
        this.logDecryptedEvents = logDecryptedEvents;
    }

    /**
     * @param fifo on a FIFO queue, once a message of a group fails, the later messages of that group in the batch
     *             are failed too, so that they are retried after it and the group keeps its order
     *             (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html">
     *             Lambda: handling errors for an SQS event source</a>)
     */
    public BatchOutcome process(List<InboundMessage> messages, boolean fifo) {
        return process(messages, fifo, Deadline.NONE);
    }

    /** @param deadline the invocation's: the database statement must end before it */
    public BatchOutcome process(List<InboundMessage> messages, boolean fifo, Deadline deadline) {
        int n = messages.size();
        EventDecryptor keys;
        try {
            keys = decryptor.get();
        } catch (DependencyException e) {
            // Not the messages' fault: every one is failed for the outage back-off, none is read.
            BatchOutcome batch = new BatchOutcome(messages.stream().map(m -> MessageOutcome.failed(m.messageId(), null,
                    RejectionReason.KEY_UNAVAILABLE, e.getMessage())).toList());
            batch.outcomes().forEach(EventRecorder::log);
            return batch;
        }
        MessageOutcome[] outcomes = new MessageOutcome[n];
        List<AuditEvent> events = new ArrayList<>(n);
        List<Integer> positions = new ArrayList<>(n);
        int[] dataKeys = new int[n];
        Set<String> failedGroups = new HashSet<>();
        for (int i = 0; i < n; i++) {
            InboundMessage message = messages.get(i);
            if (fifo && failedGroups.contains(message.messageGroupId())) {
                outcomes[i] = MessageOutcome.failed(message.messageId(), null, RejectionReason.EARLIER_IN_GROUP_FAILED,
                        "not attempted, to keep group " + message.messageGroupId() + " in order");
                continue;
            }
            try {
                EventDecryptor.Decrypted<AuditEvent> decrypted = keys.decrypt(message.body(), parser::parse);
                if (logDecryptedEvents) {
                    DECRYPTED_EVENTS.atInfo().addKeyValue("message_id", message.messageId())
                            .addKeyValue("event", new Json.Raw(oneLine(decrypted.plaintext()))).log("decrypted event");
                }
                dataKeys[i] = decrypted.dataKey();
                events.add(decrypted.value());
                positions.add(i);
            } catch (RuntimeException e) {
                // Besides invalid messages, a bug met by one message's content must not fail the other nine:
                // report it and keep the message.
                outcomes[i] = e instanceof InvalidMessageException invalid
                        ? MessageOutcome.failed(message.messageId(), null, invalid.reason(), invalid.getMessage())
                        : MessageOutcome.failed(message.messageId(), null, RejectionReason.UNEXPECTED,
                        e.getClass().getName());
                if (fifo) {
                    failedGroups.add(message.messageGroupId());
                }
            }
        }
        List<MessageOutcome> recorded = recorder.record(events,
                positions.stream().map(p -> messages.get(p).messageId()).toList(), deadline);
        for (int k = 0; k < recorded.size(); k++) {
            outcomes[positions.get(k)] = recorded.get(k).withDataKey(dataKeys[positions.get(k)]);
        }
        if (fifo) {
            failLaterMessagesOfFailedGroups(messages, outcomes);
        }
        BatchOutcome batch = new BatchOutcome(List.of(outcomes));
        batch.outcomes().forEach(EventRecorder::log);
        return batch;
    }

    private static void failLaterMessagesOfFailedGroups(List<InboundMessage> messages, MessageOutcome[] outcomes) {
        Set<String> failedGroups = new HashSet<>();
        for (int i = 0; i < outcomes.length; i++) {
            String group = messages.get(i).messageGroupId();
            if (failedGroups.contains(group) && !outcomes[i].failed()) {
                // Already written; failing it brings it back after the earlier message, when it is a duplicate.
                outcomes[i] = MessageOutcome.failed(outcomes[i].messageId(), outcomes[i].eventId(),
                        RejectionReason.EARLIER_IN_GROUP_FAILED, "an earlier message of group " + group + " failed");
            }
            if (outcomes[i].failed()) {
                failedGroups.add(group);
            }
        }
    }

    private static String oneLine(String json) {
        return json.indexOf('\n') < 0 && json.indexOf('\r') < 0 ? json : EventParser.compact(json);
    }
}
