package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import uk.gov.ida.eventrecorder.DependencyException;
import uk.gov.ida.eventrecorder.FailureClass;
import uk.gov.ida.eventrecorder.RecorderException;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

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
        return commandLine(out, err).execute(args);
    }

    /**
     * {@code doctor} with {@code options}, reading {@code environment} instead of the process's, printing to
     * {@code out}: a deployment's checks run in-process, as the roles' tests run them against each function's login.
     */
    public static int doctor(Map<String, String> environment, PrintWriter out, String... options) {
        CommandLine cli = commandLine(out, out);
        ((DoctorCommand) cli.getSubcommands().get("doctor").getCommand()).environment = environment;
        String[] args = new String[options.length + 1];
        args[0] = "doctor";
        System.arraycopy(options, 0, args, 1, options.length);
        return cli.execute(args);
    }

    private static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return new CommandLine(new RecorderCli()).setOut(out).setErr(err)
                .setExecutionExceptionHandler(RecorderCli::failed);
    }

    /** Exit codes: 1 a check or verdict failed; {@link #DEPENDENCY_FAILED}; {@link #UNEXPECTED}. */
    static final int DEPENDENCY_FAILED = 2;
    static final int UNEXPECTED = 3;

    /**
     * The failure policy's transport for a command: one line naming the class of failure and its cause (the
     * recorder's own messages name what failed, never a secret), and an exit code a script can tell apart.
     */
    private static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        FailureClass failure = FailureClass.of(e);
        String what = e instanceof DependencyException d ? d.dependency() + " failed" : failure == FailureClass.DEPENDENCY
                ? "an AWS call failed" : "unexpected error (" + e.getClass().getSimpleName() + ")";
        // An unexpected exception's message may quote its input (a message's content): only the recorder's own and
        // the AWS SDK's are printed.
        String detail = e instanceof RecorderException || failure == FailureClass.DEPENDENCY ? ": " + e.getMessage() : "";
        command.getErr().println(command.getCommandName() + ": " + what + detail);
        return failure == FailureClass.DEPENDENCY ? DEPENDENCY_FAILED : UNEXPECTED;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
