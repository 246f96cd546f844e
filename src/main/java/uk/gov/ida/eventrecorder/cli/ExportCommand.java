package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import uk.gov.ida.eventrecorder.config.ExportConfig;
import uk.gov.ida.eventrecorder.export.ExportReport;
import uk.gov.ida.eventrecorder.wiring.ExportDependencies;

import java.util.Optional;

import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * The export function's run, from an operator's machine: a backfill of years, or a run after an outage, without the
 * invocation's fifteen minutes. Same environment variables as the function.
 */
@Command(name = "export", description = "Run the export as the function does (its environment variables), "
        + "without the function's time limit.")
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (ExportDependencies export = new ExportDependencies(ExportConfig.fromSystemEnvironment(), Optional.empty(),
                Optional.empty())) {
            ExportReport report = export.exporter().run(Instant.now(), () -> Long.MAX_VALUE);
            spec.commandLine().getOut().println("export: " + report.daysExported() + " day(s), " + report.addenda()
                    + " addend(a), " + report.rows() + " row(s), " + report.bytes() + " byte(s)");
            report.warnings().forEach(w -> spec.commandLine().getOut().println("warning: " + w));
            return 0;
        }
    }
}
