package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import uk.gov.ida.eventrecorder.config.LedgerConfig;
import uk.gov.ida.eventrecorder.ledger.LedgerReport;
import uk.gov.ida.eventrecorder.wiring.LedgerDependencies;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;

/** The ledger's operator commands; the same environment variables as its function. */
@Command(name = "ledger", description = "The ledger of signed checkpoints over every recorded row.",
        subcommands = LedgerCommand.Checkpoint.class)
final class LedgerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** One checkpoint run, as the function does it: after an outage, for a benchmark, or to see the ledger's state. */
    @Command(name = "checkpoint", description = "Run one checkpoint as the ledger's function does (its environment "
            + "variables): publish what an earlier run left, check the ledger against the bucket, append and sign "
            + "what is new. Exit 1 when it warns.")
    static final class Checkpoint implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (LedgerDependencies ledger = new LedgerDependencies(LedgerConfig.fromSystemEnvironment(),
                    Optional.empty(), Optional.empty(), Clock.systemUTC())) {
                LedgerReport report = ledger.checkpointer().run();
                var out = spec.commandLine().getOut();
                out.printf("ledger: %s, checkpoint %d, %d leaves (%d new), %d object(s) written, in %d ms%n",
                        report.outcome().name().toLowerCase(java.util.Locale.ROOT), report.sequence(),
                        report.treeSize(), report.newLeaves(), report.published(), report.millis());
                if (report.lateRows() > 0) {
                    out.printf("%d row(s) had waited more than two schedule intervals (late, not lost)%n",
                            report.lateRows());
                }
                report.warnings().forEach(w -> out.println("warning: " + w));
                return report.warnings().isEmpty() ? 0 : 1;
            }
        }
    }
}
