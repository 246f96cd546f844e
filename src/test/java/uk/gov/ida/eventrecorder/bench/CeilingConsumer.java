package uk.gov.ida.eventrecorder.bench;

import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue's ceiling for a sequential consumer: receive 10, delete them in one batch call, nothing else; with the
 * fastest of the SDK's HTTP clients measured here (Apache), in its own JVM, warmed on one queue and measured on
 * another. {@code java … CeilingConsumer CLIENT ENDPOINT WARM_QUEUE_URL QUEUE_URL} (CLIENT {@code apache} or
 * {@code url-connection}) prints {@code CEILING <messages> <ms> <first call ms>}, the last from JVM start to the first
 * receive answered (the client's classes loaded and its first connection made): its share of a cold start.
 */
public final class CeilingConsumer {
    public static void main(String[] args) {
        SdkHttpClient client = args[0].equals("apache") ? ApacheHttpClient.create() : UrlConnectionHttpClient.create();
        try (SqsClient sqs = SqsClient.builder().httpClient(client).endpointOverride(URI.create(args[1])).build()) {
            sqs.receiveMessage(r -> r.queueUrl(args[2]).maxNumberOfMessages(1).visibilityTimeout(0).waitTimeSeconds(0));
            long firstCall = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            consume(sqs, args[2]);
            long start = System.nanoTime();
            long consumed = consume(sqs, args[3]);
            System.out.println("CEILING " + consumed + " " + (System.nanoTime() - start) / 1_000_000 + " " + firstCall);
        }
    }

    /** Receives 10 and deletes them in one call until the queue looks empty; returns how many. */
    static long consume(SqsClient sqs, String url) {
        long consumed = 0;
        while (true) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (messages.isEmpty()) {
                return consumed;
            }
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (Message m : messages) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
            sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(entries));
            consumed += messages.size();
        }
    }
}
