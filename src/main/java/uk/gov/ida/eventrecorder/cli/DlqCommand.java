package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;
import uk.gov.ida.eventrecorder.config.AwsSettings;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.pipeline.MessageVerdict;
import uk.gov.ida.eventrecorder.queue.QueueDrainer;
import uk.gov.ida.eventrecorder.queue.QueueRedrive;
import uk.gov.ida.eventrecorder.wiring.AwsClients;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "dlq", description = "Look into a dead-letter queue, and move its messages back.",
        subcommands = {DlqCommand.Inspect.class, DlqCommand.Redrive.class})
final class DlqCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "inspect", description = {
            "Look at up to N messages without consuming them (they are visible again when it finishes): message id,",
            "receive count, first sent, and when it decrypts the event id and type and the verdict the recorder",
            "would give. Never the event's details or other personal data."})
    static final class Inspect implements Callable<Integer> {
        // Long enough to look at a batch; the messages are made visible again at the end anyway.
        private static final int LOOK_SECONDS = 60;

        @Option(names = "--queue-url", required = true)
        String queueUrl;

        @Option(names = "--max", defaultValue = "10", description = "at most this many messages (default 10)")
        int max;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Operator operator = Operator.fromEnvironment()) {
                SqsClient sqs = operator.sqs();
                EventDecryptor decryptor = operator.decryptor();
                EventParser parser = operator.parser();
                List<Message> seen = new ArrayList<>();
                int wouldRecord = 0;
                try {
                    while (seen.size() < max) {
                        int want = Math.min(10, max - seen.size());
                        List<Message> batch = look(sqs, want, 0);
                        if (batch.isEmpty()) {
                            // A short poll may miss messages that are there; a long poll asks every SQS server.
                            batch = look(sqs, want, QueueDrainer.CONFIRM_EMPTY_WAIT_SECONDS);
                        }
                        if (batch.isEmpty()) {
                            break;
                        }
                        for (Message m : batch) {
                            seen.add(m);
                            MessageVerdict verdict = MessageVerdict.of(decryptor, parser, m.body());
                            wouldRecord += verdict.wouldRecord() ? 1 : 0;
                            out.println("message_id=" + m.messageId() + " receives="
                                    + m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)
                                    + " first_sent=" + sent(m) + " " + Operator.describe(verdict));
                        }
                    }
                } finally {
                    release(sqs, queueUrl, seen);
                }
                out.println(seen.size() + " message(s) inspected: " + wouldRecord + " would now be recorded, "
                        + (seen.size() - wouldRecord) + " would fail; all are visible again");
                return 0;
            }
        }

        private List<Message> look(SqsClient sqs, int want, int waitSeconds) {
            return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(want)
                    .visibilityTimeout(LOOK_SECONDS).waitTimeSeconds(waitSeconds)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        }

        private static String sent(Message m) {
            String millis = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
            return millis == null ? "?" : Instant.ofEpochMilli(Long.parseLong(millis)).toString();
        }

        /** Visible again at once: inspecting consumes nothing. */
        private static void release(SqsClient sqs, String queueUrl, List<Message> messages) {
            for (int from = 0; from < messages.size(); from += 10) {
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                for (int i = from; i < Math.min(messages.size(), from + 10); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(messages.get(i).receiptHandle()).visibilityTimeout(0).build());
                }
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
            }
        }
    }

    @Command(name = "redrive", description = {
            "Move every message from one queue (a dead-letter queue) to another, printing counts. Uses the SQS",
            "message move task where the server has it; otherwise receives, sends and then deletes, keeping FIFO",
            "message groups. A message is deleted from the source only after it was sent: nothing is lost if this",
            "is interrupted (at worst a message is sent twice, and the recorder records it once)."})
    static final class Redrive implements Callable<Integer> {
        @Option(names = "--from", required = true, description = "the source queue URL")
        String from;

        @Option(names = "--to", required = true, description = "the destination queue URL")
        String to;

        @Option(names = "--by-copy", description = "receive, send and delete even where a move task is available")
        boolean byCopy;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            try (SqsClient sqs = new AwsClients(AwsSettings.fromSystemEnvironment()).sqs()) {
                String fromArn = arn(sqs, from);
                QueueRedrive redrive = new QueueRedrive(sqs, from, to, arn(sqs, to));
                String notByMoveTask = byCopy ? "--by-copy" : whyNotByMoveTask(sqs, fromArn, redrive);
                if (notByMoveTask == null) {
                    try {
                        long moved = moveTask(sqs, fromArn, out);
                        out.println("moved " + moved + " message(s) from " + from + " to " + to + " (message move task)");
                        return 0;
                    } catch (SqsException e) {
                        notByMoveTask = "it is not available here (" + e.awsErrorDetails().errorCode() + ")";
                    }
                }
                if (!byCopy) {
                    out.println("the message move task is not used: " + notByMoveTask + "; moving by receive, send, "
                            + "delete");
                }
                QueueRedrive.Result result = redrive.run();
                out.println("moved " + result.moved() + " message(s) from " + from + " to " + to + "; "
                        + result.unsent() + " could not be sent and stay in the source; " + result.notDeleted()
                        + " were sent but could not be deleted from the source (a later redrive sends them again; "
                        + "the recorder records each once); " + result.notDeadLettered() + " were not dead-lettered "
                        + "from " + to + " (sent to the dead-letter queue directly: not moved, they stay)");
                return result.unsent() == 0 && result.notDeleted() == 0 && result.notDeadLettered() == 0 ? 0 : 1;
            }
        }

        /**
         * Why SQS's own move cannot be used, or null when it can. The move task, with no destination, sends each
         * message back to the queue it was dead-lettered from, so it is used only when {@code --to} is that queue (its
         * redrive policy names {@code --from}); and it cannot be told to leave a message that was sent to the
         * dead-letter queue directly, so it is used only when a look at every message finds none.
         */
        private String whyNotByMoveTask(SqsClient sqs, String fromArn, QueueRedrive redrive) {
            String redrivePolicy = sqs.getQueueAttributes(r -> r.queueUrl(to).attributeNames(
                    QueueAttributeName.REDRIVE_POLICY)).attributes().getOrDefault(QueueAttributeName.REDRIVE_POLICY, "");
            if (!redrivePolicy.contains("\"" + fromArn + "\"")) {
                return to + " does not dead-letter into " + from;
            }
            long foreign = redrive.notDeadLetteredFromDestination();
            return foreign == 0 ? null : foreign + " message(s) in " + from + " were not dead-lettered from " + to
                    + ", and a move task would move them too";
        }

        private long moveTask(SqsClient sqs, String sourceArn, PrintWriter out) throws InterruptedException {
            String handle = sqs.startMessageMoveTask(r -> r.sourceArn(sourceArn)).taskHandle();
            out.println("message move task started: " + handle);
            while (true) {
                var task = sqs.listMessageMoveTasks(r -> r.sourceArn(sourceArn).maxResults(1)).results().get(0);
                if (!"RUNNING".equals(task.status())) {
                    if (!"COMPLETED".equals(task.status())) {
                        throw new IllegalStateException("the move task ended " + task.status() + ": "
                                + task.failureReason());
                    }
                    return task.approximateNumberOfMessagesMoved() == null ? 0 : task.approximateNumberOfMessagesMoved();
                }
                Thread.sleep(200);
            }
        }

        private static String arn(SqsClient sqs, String url) {
            return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
        }
    }
}
