package uk.gov.ida.eventrecorder.verification;

/** The verdict, and the command's exit code for it. */
public enum Verdict {
    INTACT(0), TAMPERED(1), COULD_NOT_CHECK(2);

    private final int exitCode;

    Verdict(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
