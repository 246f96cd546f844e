package uk.gov.ida.eventrecorder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;
import uk.gov.ida.eventrecorder.crypto.EventDecryptor;
import uk.gov.ida.eventrecorder.event.EventParser;
import uk.gov.ida.eventrecorder.lambda.AwsClients;
import uk.gov.ida.eventrecorder.pipeline.MessageVerdict;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
                        List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(want)
                                .visibilityTimeout(LOOK_SECONDS).waitTimeSeconds(0)
                                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
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
            try (SqsClient sqs = new AwsClients(Optional.empty()).sqs()) {
                if (!byCopy) {
                    try {
                        long moved = moveTask(sqs, out);
                        out.println("moved " + moved + " message(s) from " + from + " to " + to + " (message move task)");
                        return 0;
                    } catch (SqsException e) {
                        out.println("the message move task is not available here (" + e.awsErrorDetails().errorCode()
                                + "); moving by receive, send, delete");
                    }
                }
                long[] counts = copy(sqs);
                out.println("moved " + counts[0] + " message(s) from " + from + " to " + to + "; " + counts[1]
                        + " could not be sent and stay in the source");
                return counts[1] == 0 ? 0 : 1;
            }
        }

        private long moveTask(SqsClient sqs, PrintWriter out) throws InterruptedException {
            String sourceArn = arn(sqs, from);
            String handle = sqs.startMessageMoveTask(r -> r.sourceArn(sourceArn).destinationArn(arn(sqs, to)))
                    .taskHandle();
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

        /** @return {moved, not sent} */
        private long[] copy(SqsClient sqs) {
            boolean fifo = to.endsWith(".fifo");
            // SQS drops a FIFO message whose deduplication id it saw in the last 5 minutes, and the send still
            // succeeds: a message redriven soon after it was first sent would be deleted from the source and never
            // arrive. The id is kept, suffixed with this run, so a retry within the run is still deduplicated.
            String run = "-redrive-" + Long.toString(System.currentTimeMillis(), 36);
            long moved = 0;
            Set<String> unsent = new HashSet<>();
            while (true) {
                List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(from).maxNumberOfMessages(10)
                        .visibilityTimeout(60).waitTimeSeconds(0).messageAttributeNames("All")
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages()
                        .stream().filter(m -> !unsent.contains(m.messageId())).toList();
                if (batch.isEmpty()) {
                    return new long[]{moved, unsent.size()};
                }
                List<SendMessageBatchRequestEntry> sends = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    Message m = batch.get(i);
                    SendMessageBatchRequestEntry.Builder entry = SendMessageBatchRequestEntry.builder()
                            .id(Integer.toString(i)).messageBody(m.body()).messageAttributes(m.messageAttributes());
                    if (fifo) {
                        String group = m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
                        String dedup = Optional.ofNullable(m.attributes()
                                .get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID)).orElse(m.messageId());
                        entry.messageGroupId(group == null ? "redriven" : group)
                                .messageDeduplicationId(dedup.substring(0, Math.min(dedup.length(), 100)) + run);
                    }
                    sends.add(entry.build());
                }
                SendMessageBatchResponse sent = sqs.sendMessageBatch(r -> r.queueUrl(to).entries(sends));
                List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
                sent.successful().forEach(s -> deletes.add(DeleteMessageBatchRequestEntry.builder().id(s.id())
                        .receiptHandle(batch.get(Integer.parseInt(s.id())).receiptHandle()).build()));
                sent.failed().forEach(f -> unsent.add(batch.get(Integer.parseInt(f.id())).messageId()));
                if (!deletes.isEmpty()) {
                    sqs.deleteMessageBatch(r -> r.queueUrl(from).entries(deletes));
                }
                moved += deletes.size();
            }
        }

        private static String arn(SqsClient sqs, String url) {
            return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
        }
    }
}
