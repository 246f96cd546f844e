package uk.gov.ida.eventrecorder.verification;

import uk.gov.ida.eventrecorder.digest.Manifest;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A manifest's {@code exportedAt}: the export's own clock when its run began, before it took its snapshot. It is the
 * signer's word, so verify holds it against what no signer chooses: S3's {@code LastModified}, the chain's order and
 * the days the manifest covers (the auditor's guide, "Why 3 minutes").
 */
final class ExportedAt {
    /**
     * How far apart the clocks of S3, a checkpoint run and an export may be. The functions' clocks and S3's are kept by
     * the Amazon Time Sync Service, within a millisecond or so; a command-line export's host keeps its own, which NTP
     * keeps within a second and a clock left unsynchronised drifts a second or two a day: 3 minutes is months of that.
     * S3 itself refuses a request whose signed time is more than 15 minutes from its own (RequestTimeTooSkewed), so no
     * host that wrote to the bucket was further off than that.
     */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(3);

    /**
     * The export function's timeout (template.yaml, the export function's {@code Timeout}: 900 s, Lambda's most): a
     * run the function makes writes every manifest within it of its {@code exportedAt}. A command-line export has no
     * time limit (it is the way to export a day too large for the function), so a longer account is a note.
     */
    static final Duration EXPORT_FUNCTION_TIMEOUT = Duration.ofMinutes(15);

    private ExportedAt() {
    }

    /** The manifest's exportedAt, when it is an instant as the export writes it. */
    static Optional<Instant> of(Manifest m) {
        try {
            return Optional.of(Instant.parse(String.valueOf(m.exportedAt())));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * The end of the last day the manifest covers, when its exportedAt is before it: the export writes only days that
     * ended (and settled) before the exportedAt it signs, which it also computes them from, whatever its clock says.
     */
    static Optional<Instant> dayEndAfter(Manifest m, Instant exportedAt) {
        Instant end = m.throughDay().plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        return exportedAt.isBefore(end) ? Optional.of(end) : Optional.empty();
    }

    /** A duration as findings give it: minutes, or hours beyond two, or days beyond two. */
    static String describe(Duration d) {
        if (d.toDays() >= 2) {
            return d.toDays() + " days";
        }
        if (d.toHours() >= 2) {
            return d.toHours() + " hours";
        }
        return d.toMinutes() + " minutes";
    }
}
