package uk.gov.ida.eventrecorder.privacy;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.FailureClass;
import uk.gov.ida.eventrecorder.ReportedFailure;
import uk.gov.ida.eventrecorder.store.DatabaseUnavailableException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.BatchUpdateException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lambda's runtime prints a handler's whole exception chain, as {@code printStackTrace} does: what leaves a handler
 * names each failure by class and SQLSTATE, keeps its stack, and quotes nothing any cause was given.
 */
class ReportedFailureTest {
    private static final String MARKER = "MARKER-4f1c";

    @Test
    void aDependencyFailureKeepsItsDependencyClassAndStackButNoCauseQuotesTheRow() {
        PSQLException server = new PSQLException(new ServerErrorMessage("SERROR\u0000C23514\u0000Mnew row for relation "
                + "\"idp_fraud_events\" violates check constraint \"c\"\u0000DFailing row contains (1, " + MARKER
                + ").\u0000"));
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 INSERT … VALUES ('" + MARKER + "')",
                "23514", 0, new int[0], server);
        DatabaseUnavailableException failure = new DatabaseUnavailableException("database failure, SQLSTATE 23514",
                batch);

        RuntimeException reported = ReportedFailure.withoutContent(failure);

        String printed = printed(reported);
        assertFalse(printed.contains(MARKER), printed);
        assertTrue(reported instanceof DependencyException d && d.dependency().equals("database"));
        assertEquals(FailureClass.DEPENDENCY, FailureClass.of(reported));
        assertTrue(printed.contains("DatabaseUnavailableException: database failure, SQLSTATE 23514"), printed);
        assertTrue(printed.contains("Caused by: ") && printed.contains("java.sql.BatchUpdateException (SQLSTATE 23514)"),
                printed);
        assertEquals(failure.getStackTrace()[0], reported.getStackTrace()[0], "the stack is kept for the on-call");
    }

    @Test
    void anUnknownFailureIsNamedByItsClassAloneAndStaysUnknown() {
        RuntimeException bug = new IllegalArgumentException("cannot parse '" + MARKER + "'",
                new PSQLException("value " + MARKER, PSQLState.DATA_ERROR));

        RuntimeException reported = ReportedFailure.withoutContent(bug);

        String printed = printed(reported);
        assertFalse(printed.contains(MARKER), printed);
        assertEquals(FailureClass.UNKNOWN, FailureClass.of(reported));
        assertTrue(printed.startsWith(ReportedFailure.class.getName() + ": java.lang.IllegalArgumentException"),
                printed);
        assertTrue(printed.contains("org.postgresql.util.PSQLException (SQLSTATE 22000)"), printed);
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
