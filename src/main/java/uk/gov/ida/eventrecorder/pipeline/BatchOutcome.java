package uk.gov.ida.eventrecorder.pipeline;

import uk.gov.ida.eventrecorder.event.RejectionReason;

import java.util.List;
import java.util.Optional;

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

    /**
     * True when some message failed because of a dependency (the database, the data keys), not its content: it
     * deserves an outage back-off.
     */
    public boolean anyDependencyFailure() {
        return outcomes.stream().anyMatch(MessageOutcome::dependencyFailed);
    }

    /**
     * The reason every message failed, when all failed because of a dependency (the database or the data keys could
     * not be reached): stop taking more work.
     */
    public Optional<RejectionReason> dependencyUnavailable() {
        if (outcomes.isEmpty() || !outcomes.stream().allMatch(MessageOutcome::dependencyFailed)) {
            return Optional.empty();
        }
        return Optional.of(outcomes.get(0).reason());
    }

    private long count(MessageOutcome.Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }
}
