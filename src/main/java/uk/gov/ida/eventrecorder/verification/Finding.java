package uk.gov.ida.eventrecorder.verification;

/**
 * One thing verification found. {@link Kind#TAMPERED}: the export or the database no longer matches what was signed;
 * {@link Kind#ADDED}: a row recorded after its day was exported (late events are normal: the next export writes an
 * addendum); {@link Kind#UNCHECKED}: something could not be checked.
 */
public record Finding(Kind kind, String text) {
    public enum Kind { TAMPERED, ADDED, UNCHECKED }

    @Override
    public String toString() {
        return kind + " " + text;
    }
}
