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

    /** The heap's high-water mark, pool by pool as the JVM keeps it: what the export's memory bound is about. */
    private static long peakHeapBytes() {
        return java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    @Override
    public Integer call() throws Exception {
        try (ExportDependencies export = new ExportDependencies(ExportConfig.fromSystemEnvironment(), Optional.empty(),
                Optional.empty())) {
            long started = System.nanoTime();
            ExportReport report = export.exporter().run(Instant.now(), () -> Long.MAX_VALUE);
            double seconds = (System.nanoTime() - started) / 1e9;
            spec.commandLine().getOut().printf("export: %d day(s), %d addend(a), %d row(s), %d byte(s) in %.1f s "
                            + "(%.0f rows/s), peak heap %d MB%n", report.daysExported(), report.addenda(), report.rows(),
                    report.bytes(), seconds, report.rows() / seconds, peakHeapBytes() >> 20);
            report.warnings().forEach(w -> spec.commandLine().getOut().println("warning: " + w));
            spec.commandLine().getOut().println("export chain head: sequence " + report.chainHead());
            // The chain holds what the export did not sign: the operator is told by the exit code too.
            return report.alarmed() ? 1 : 0;
        }
    }
}
