package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import uk.gov.ida.eventrecorder.config.DatabaseConfig;
import uk.gov.ida.eventrecorder.verification.EventProofs;
import uk.gov.ida.eventrecorder.verification.ProofFile;
import uk.gov.ida.eventrecorder.verification.Verdict;
import uk.gov.ida.eventrecorder.wiring.Dependencies;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * One event's proofs from the database's ledger (docs/export-and-verification.md, "Proving one event"), printed as
 * the JSON array {@code verify-proof} checks. Exit 0 every row proved, 1 a row not (yet) proved, 2 no such event or
 * the database could not be read.
 */
@Command(name = "verify-event", description = "Print the ledger's proofs of one event's rows (its audit, billing and "
        + "fraud rows) as a JSON array, from the database (DB_CONNECTION_STRING and the functions' other database "
        + "variables). Exit 0 every row proved, 1 a row not (yet) proved, 2 no such event or no database.")
final class VerifyEventCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EVENT_ID", description = "the event's id (event_id)")
    String eventId;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EventProofs.Outcome outcome;
        try (Dependencies dependencies = new Dependencies(DatabaseConfig.fromSystemEnvironment(), Optional.empty(),
                Dependencies.CIRCUIT_OPEN, "event-recorder-verify", 1);
             Connection c = dependencies.dataSource().getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                outcome = EventProofs.prove(c, eventId);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            err.println("verify-event: the database failed (SQLSTATE " + e.getSQLState() + ")");
            return Verdict.COULD_NOT_CHECK.exitCode();
        }
        if (outcome.rows() == 0) {
            err.println("verify-event: no exported table holds a row of that event id");
            return Verdict.COULD_NOT_CHECK.exitCode();
        }
        out.print(new String(ProofFile.print(outcome.proofs()), java.nio.charset.StandardCharsets.UTF_8));
        out.flush();
        outcome.unproved().forEach(line -> err.println("verify-event: " + line));
        err.println("verify-event: " + outcome.proofs().size() + " of the event's " + outcome.rows()
                + " row(s) proved");
        return outcome.unproved().isEmpty() ? Verdict.INTACT.exitCode() : Verdict.TAMPERED.exitCode();
    }
}
