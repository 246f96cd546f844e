package uk.gov.ida.eventrecorder.pipeline;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import uk.gov.ida.eventrecorder.Deadline;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.event.AuditEvent;
import uk.gov.ida.eventrecorder.event.RejectionReason;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;
import uk.gov.ida.eventrecorder.store.EventRepository;
import uk.gov.ida.eventrecorder.store.StoreResult;

import java.util.ArrayList;
import java.util.List;

/**
 * Records parsed events and says what became of each: the part of the pipeline that the queue path and the
 * archive replay path share (the replay reads plaintext, so it has no decryptor and needs no data key).
 */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

    private final EventRepository repository;

    public EventRecorder(EventRepository repository) {
        this.repository = repository;
    }

    /**
     * Records already-parsed events (the archive replay path); {@code sources} name each one in outcomes and logs
     * (a message id, or a file and line).
     */
    public List<MessageOutcome> record(List<AuditEvent> events, List<String> sources) {
        return record(events, sources, Deadline.NONE);
    }

    /** @param deadline the invocation's: the statement ends before it (see {@link EventRepository#record}) */
    public List<MessageOutcome> record(List<AuditEvent> events, List<String> sources, Deadline deadline) {
        List<MessageOutcome> outcomes = new ArrayList<>(events.size());
        if (events.isEmpty()) {
            return outcomes;
        }
        List<StoreResult> stored;
        try {
            stored = repository.record(events, deadline);
        } catch (DatabaseUnavailableException e) {
            for (int k = 0; k < events.size(); k++) {
                outcomes.add(MessageOutcome.failed(sources.get(k), events.get(k).eventId(),
                        RejectionReason.DATABASE_UNAVAILABLE, e.getMessage()));
            }
            return outcomes;
        } catch (RuntimeException e) {
            // Unknown (a bug that some event's content meets): docs/design.md's failure policy says the message fails
            // alone, so each event is tried on its own and only the one(s) that meet it fail, retried, then
            // dead-lettered.
            if (events.size() > 1) {
                for (int k = 0; k < events.size(); k++) {
                    outcomes.addAll(record(List.of(events.get(k)), List.of(sources.get(k)), deadline));
                }
                return outcomes;
            }
            outcomes.add(MessageOutcome.failed(sources.get(0), events.get(0).eventId(), RejectionReason.UNEXPECTED,
                    ReportedFailure.describe(e)));
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

    /**
     * A failed message's line ({@code WARN}): {@code message_id}, {@code event_id} (when known),
     * {@code outcome=failed}, {@code reason} (the label docs/design.md lists) and {@code detail} (which field, why;
     * never the event's content). Recorded and duplicate messages are traced by their batch's line
     * ({@link uk.gov.ida.eventrecorder.metrics.MetricsLog#batch}); they get a line of their own only at {@code DEBUG}
     * (the function's log level), for an investigation that wants one line per message.
     */
    static void log(MessageOutcome outcome) {
        if (!outcome.failed() && !LOG.isDebugEnabled()) {
            return;
        }
        LoggingEventBuilder line = (outcome.failed() ? LOG.atWarn() : LOG.atDebug())
                .addKeyValue("message_id", outcome.messageId());
        if (outcome.eventId() != null) {
            line = line.addKeyValue("event_id", outcome.eventId());
        }
        line = line.addKeyValue("outcome", outcome.status().name().toLowerCase(java.util.Locale.ROOT));
        if (outcome.dataKey() > 0) {
            line = line.addKeyValue("data_key", outcome.dataKey());
        }
        switch (outcome.status()) {
            case RECORDED -> line.log("recorded");
            case DUPLICATE -> line.log("duplicate: already recorded, nothing written");
            case FAILED -> line.addKeyValue("reason", outcome.reason().label()).addKeyValue("detail", outcome.detail())
                    .log("failed: " + outcome.reason().label());
        }
    }

}
