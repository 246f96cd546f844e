package uk.gov.ida.eventrecorder.lambda;

import uk.gov.ida.eventrecorder.wiring.SchemaMigration;

import java.io.PrintWriter;

/**
 * The deploy pipeline's entry point for the migrations, kept where pipelines already name it
 * ({@code java -cp event-recorder-lambda.jar uk.gov.ida.eventrecorder.lambda.MigrateCommand}); the work is
 * {@link SchemaMigration}'s, as for {@code java -jar event-recorder-lambda.jar migrate}.
 */
public final class MigrateCommand {
    private MigrateCommand() {
    }

    public static void main(String[] args) {
        System.exit(SchemaMigration.run(new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }
}
