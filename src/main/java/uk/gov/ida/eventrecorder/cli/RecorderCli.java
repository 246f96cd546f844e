package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code java -jar event-recorder-lambda.jar <command>}: the operator's tools, reading the same environment variables
 * as the functions. No handler references this package, so the functions never load picocli.
 */
@Command(name = "event-recorder", mixinStandardHelpOptions = true,
        description = "Operate an event-recorder deployment with the functions' own configuration (environment).",
        subcommands = {DoctorCommand.class, DlqCommand.class, MigrateCli.class, DecryptCheckCommand.class})
public final class RecorderCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        // ✓ and ✗ whatever the platform's default charset (a minimal container's POSIX locale is ASCII).
        PrintWriter out = new PrintWriter(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        return new CommandLine(new RecorderCli()).setOut(out).setErr(err).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
