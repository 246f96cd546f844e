package uk.gov.ida.eventrecorder.verification;

/**
 * One thing verification found. {@link Kind#TAMPERED}: the export or the database no longer matches what was signed;
 * {@link Kind#ADDED}: a row recorded after its day was exported (late events are normal: the next export writes an
 * addendum); {@link Kind#UNCHECKED}: something could not be checked; {@link Kind#NOTE}: something an interrupted
 * export run left, which no table reads and the next run completes (it does not change the verdict).
 */
public record Finding(Kind kind, String text) {
    public enum Kind { TAMPERED, ADDED, UNCHECKED, NOTE }

    @Override
    public String toString() {
        return kind + " " + text;
    }
}
