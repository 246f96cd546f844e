package uk.gov.ida.eventrecorder.pipeline;

import uk.gov.ida.eventrecorder.event.RejectionReason;

import java.util.List;

/** The outcomes of one batch, in the order the messages came. */
public record BatchOutcome(List<MessageOutcome> outcomes) {
    public BatchOutcome {
        outcomes = List.copyOf(outcomes);
    }

    public long recorded() {
        return count(MessageOutcome.Status.RECORDED);
    }

    public long duplicates() {
        return count(MessageOutcome.Status.DUPLICATE);
    }

    public long failed() {
        return count(MessageOutcome.Status.FAILED);
    }

    public List<MessageOutcome> failures() {
        return outcomes.stream().filter(MessageOutcome::failed).toList();
    }

    /** True when some message failed because of the database (not its content): it deserves an outage back-off. */
    public boolean anyDatabaseFailure() {
        return outcomes.stream().anyMatch(o -> o.reason() == RejectionReason.DATABASE_UNAVAILABLE);
    }

    /** True when every message failed because the database could not be reached: stop taking more work. */
    public boolean databaseUnavailable() {
        return !outcomes.isEmpty() && outcomes.stream()
                .allMatch(o -> o.reason() == RejectionReason.DATABASE_UNAVAILABLE);
    }

    private long count(MessageOutcome.Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }
}
