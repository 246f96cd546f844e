package uk.gov.ida.eventrecorder.pipeline;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.event.InvalidMessageException;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.store.StoreResult;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one pipeline every entry point uses: decrypt, parse and validate each message, record the valid ones in one
 * database round trip, and say what became of each. One bad message never fails its batch.
 */
public final class EventPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(EventPipeline.class);

    private final EventDecryptor decryptor;
    private final EventParser parser;
    private final EventRepository repository;
    private final Consumer<String> decryptedEventLog;

    /**
     * @param decryptedEventLog receives each decrypted event as one line of JSON (for SIEM ingestion), or
     *                          {@code null} when that log is switched off
     */
    public EventPipeline(EventDecryptor decryptor, EventParser parser, EventRepository repository,
                         Consumer<String> decryptedEventLog) {
        this.decryptor = decryptor;
        this.parser = parser;
        this.repository = repository;
        this.decryptedEventLog = decryptedEventLog;
    }

    /**
     * @param fifo on a FIFO queue, once a message of a group fails, the later messages of that group in the batch
     *             are failed too, so that they are retried after it and the group keeps its order
     *             (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html">
     *             Lambda: handling errors for an SQS event source</a>)
     */
    public BatchOutcome process(List<InboundMessage> messages, boolean fifo) {
        int n = messages.size();
        MessageOutcome[] outcomes = new MessageOutcome[n];
        List<AuditEvent> events = new ArrayList<>(n);
        List<Integer> positions = new ArrayList<>(n);
        Set<String> failedGroups = new HashSet<>();
        for (int i = 0; i < n; i++) {
            InboundMessage message = messages.get(i);
            if (fifo && failedGroups.contains(message.messageGroupId())) {
                outcomes[i] = MessageOutcome.failed(message.messageId(), null, RejectionReason.EARLIER_IN_GROUP_FAILED,
                        "not attempted, to keep group " + message.messageGroupId() + " in order");
                continue;
            }
            try {
                String json = decryptor.decrypt(message.body());
                AuditEvent event = parser.parse(json);
                if (decryptedEventLog != null) {
                    decryptedEventLog.accept(oneLine(json));
                }
                events.add(event);
                positions.add(i);
            } catch (InvalidMessageException e) {
                outcomes[i] = MessageOutcome.failed(message.messageId(), null, e.reason(), e.getMessage());
                if (fifo) {
                    failedGroups.add(message.messageGroupId());
                }
            }
        }
        List<MessageOutcome> recorded = record(events, positions.stream().map(p -> messages.get(p).messageId()).toList());
        for (int k = 0; k < recorded.size(); k++) {
            outcomes[positions.get(k)] = recorded.get(k);
        }
        if (fifo) {
            failLaterMessagesOfFailedGroups(messages, outcomes);
        }
        BatchOutcome batch = new BatchOutcome(List.of(outcomes));
        batch.outcomes().forEach(EventPipeline::log);
        return batch;
    }

    /**
     * Records already-parsed events (the archive replay path); {@code sources} name each one in outcomes and logs
     * (a message id, or a file and line).
     */
    public List<MessageOutcome> record(List<AuditEvent> events, List<String> sources) {
        List<MessageOutcome> outcomes = new ArrayList<>(events.size());
        if (events.isEmpty()) {
            return outcomes;
        }
        List<StoreResult> stored;
        try {
            stored = repository.record(events);
        } catch (DatabaseUnavailableException e) {
            for (int k = 0; k < events.size(); k++) {
                outcomes.add(MessageOutcome.failed(sources.get(k), events.get(k).eventId(),
                        RejectionReason.DATABASE_UNAVAILABLE, e.getMessage()));
            }
            return outcomes;
        }
        for (int k = 0; k < events.size(); k++) {
            AuditEvent event = events.get(k);
            StoreResult result = stored.get(k);
            String source = sources.get(k);
            if (result.status() == StoreResult.Status.REJECTED) {
                outcomes.add(MessageOutcome.failed(source, event.eventId(), RejectionReason.DATABASE_REJECTED,
                        result.detail()));
            } else if (event.derivedRowProblem().isPresent()) {
                // The audit row is kept (it is the legal record); the message goes back to the queue and, after
                // its retries, to the dead-letter queue, where someone can see the billing/fraud row is missing.
                AuditEvent.DerivedRowProblem problem = event.derivedRowProblem().get();
                outcomes.add(MessageOutcome.failed(source, event.eventId(), problem.reason(), problem.detail()
                        + " (audit row " + (result.status() == StoreResult.Status.RECORDED ? "recorded" : "already present") + ")"));
            } else if (result.status() == StoreResult.Status.RECORDED) {
                outcomes.add(MessageOutcome.recorded(source, event.eventId()));
            } else {
                outcomes.add(MessageOutcome.duplicate(source, event.eventId()));
            }
        }
        return outcomes;
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

    private static void log(MessageOutcome outcome) {
        switch (outcome.status()) {
            case RECORDED -> LOG.info("recorded event_id={} message_id={}", outcome.eventId(), outcome.messageId());
            case DUPLICATE -> LOG.info("duplicate event_id={} message_id={} (already recorded; nothing written)",
                    outcome.eventId(), outcome.messageId());
            case FAILED -> LOG.warn("failed message_id={} event_id={} reason={}: {}", outcome.messageId(),
                    outcome.eventId(), outcome.reason(), outcome.detail());
        }
    }

    private static String oneLine(String json) {
        return json.indexOf('\n') < 0 && json.indexOf('\r') < 0 ? json : EventParser.compact(json);
    }
}
