package uk.gov.ida.eventrecorder.store;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SqlFailureTest {
    @Test
    void onlyDataExceptionsConstraintsAndAnOversizedIndexRowAreTheRowsFault() {
        for (String state : new String[]{"22008", "22P02", "22021", "23505", "23502", "54000"}) {
            assertEquals(SqlFailure.ROW, SqlFailure.of(new SQLException("x", state)), state);
        }
    }

    @Test
    void aLostShutDownOrReadOnlyConnectionIsReplacedAndTriedAgain() {
        for (String state : new String[]{"08006", "08003", "08001", "57P01", "57P02", "57P03", "25006"}) {
            assertEquals(SqlFailure.RECONNECT, SqlFailure.of(new SQLException("x", state)), state);
        }
    }

    @Test
    void aDeadlockOrSerializationFailureIsALostRaceTriedAgainNotAnOutage() {
        for (String state : new String[]{"40P01", "40001"}) {
            assertEquals(SqlFailure.RACE, SqlFailure.of(new SQLException("x", state)), state);
        }
    }

    @Test
    void everythingElseIsTheDatabasesFaultAndNeverSearchedForABadRow() {
        for (String state : new String[]{"53100", "53200", "53300", "57014", "42501", "42P01",
                "XX000", "0A000", "23514"}) {
            assertEquals(SqlFailure.DATABASE, SqlFailure.of(new SQLException("x", state)), state);
        }
        assertEquals(SqlFailure.DATABASE, SqlFailure.of(new SQLException("no state")));
    }

    @Test
    void aPoolThatCouldNotLendAConnectionIsNotRetriedBecauseItAlreadyWaitedItsTimeout() {
        assertEquals(SqlFailure.DATABASE, SqlFailure.of(new SQLTransientConnectionException("timeout", "08001")));
    }
}
