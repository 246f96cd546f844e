package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import uk.gov.ida.eventrecorder.pipeline.MessageVerdict;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

@Command(name = "decrypt-check", description = {
        "Read one SQS message body on standard input and print what the recorder would do with it.",
        "Prints the event's id and type and the verdict, never its details. Exit 0 when it would be recorded."})
final class DecryptCheckCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String body = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
        try (Operator operator = Operator.fromEnvironment()) {
            MessageVerdict verdict = MessageVerdict.of(operator.decryptor(), operator.parser(), body);
            spec.commandLine().getOut().println(Operator.describe(verdict));
            return verdict.wouldRecord() ? 0 : 1;
        }
    }
}
