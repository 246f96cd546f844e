package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import uk.gov.ida.eventrecorder.wiring.SchemaMigration;

import java.util.concurrent.Callable;

@Command(name = "migrate", description = "Apply the schema migrations (as the schema owner; the deploy pipeline runs it).")
final class MigrateCli implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return SchemaMigration.run(spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
