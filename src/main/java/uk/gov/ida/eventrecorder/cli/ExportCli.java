package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code java -jar event-recorder-export.jar <command>}: the export's own artifact, for the operator ({@code export})
 * and the auditor ({@code verify}), besides the function.
 */
@Command(name = "event-recorder", mixinStandardHelpOptions = true,
        description = "Export the record to S3 and verify an export against its signed manifests and the database.",
        subcommands = {ExportCommand.class, VerifyCommand.class, VerifyEventCommand.class,
                VerifyProofCommand.class, LedgerCommand.class})
public final class ExportCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        PrintWriter out = new PrintWriter(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        return new CommandLine(new ExportCli()).setOut(out).setErr(err).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
