package uk.gov.ida.eventrecorder.testing;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.util.Map;
import java.util.UUID;

/** A fresh ElasticMQ queue with a dead-letter queue, as the SAM template creates them, and its counts. */
public final class TestQueue {
    private final SqsClient sqs;
    private final String name;
    private final String url;
    private final String dlqUrl;

    private TestQueue(SqsClient sqs, boolean fifo, int maxReceiveCount, int visibilityTimeoutSeconds) {
        this.sqs = sqs;
        String suffix = fifo ? ".fifo" : "";
        this.name = "events-" + UUID.randomUUID().toString().substring(0, 8) + suffix;
        Map<QueueAttributeName, String> dlqAttributes = fifo ? Map.of(QueueAttributeName.FIFO_QUEUE, "true") : Map.of();
        this.dlqUrl = sqs.createQueue(r -> r.queueName("dlq-" + name).attributes(dlqAttributes)).queueUrl();
        String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        Map<QueueAttributeName, String> attributes = new java.util.HashMap<>(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds),
                QueueAttributeName.REDRIVE_POLICY,
                "{\"maxReceiveCount\":\"" + maxReceiveCount + "\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}"));
        if (fifo) {
            attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
        }
        this.url = sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
    }

    public static TestQueue standard(SqsClient sqs) {
        return new TestQueue(sqs, false, 3, 30);
    }

    public static TestQueue standard(SqsClient sqs, int maxReceiveCount, int visibilityTimeoutSeconds) {
        return new TestQueue(sqs, false, maxReceiveCount, visibilityTimeoutSeconds);
    }

    public static TestQueue fifo(SqsClient sqs) {
        return new TestQueue(sqs, true, 3, 30);
    }

    public String url() {
        return url;
    }

    public String arn() {
        return "arn:aws:sqs:" + TestServers.REGION + ":000000000000:" + name;
    }

    public String send(String body) {
        return sqs.sendMessage(r -> r.queueUrl(url).messageBody(body)).messageId();
    }

    public String send(String body, String groupId) {
        return sqs.sendMessage(r -> r.queueUrl(url).messageBody(body).messageGroupId(groupId)
                .messageDeduplicationId(UUID.randomUUID().toString())).messageId();
    }

    public String deadLetterUrl() {
        return dlqUrl;
    }

    /**
     * Fails every message of the queue until SQS itself moves it to the dead-letter queue: received with no
     * visibility timeout, more often than the redrive policy's maxReceiveCount. Such a message carries its source
     * queue (DeadLetterQueueSourceArn), as one that failed in the recorder does.
     */
    public void deadLetterAll() {
        for (int round = 0; round < 500 && visible() + inFlight() > 0; round++) {
            sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).visibilityTimeout(0).waitTimeSeconds(0));
        }
        if (visible() + inFlight() > 0) {
            throw new IllegalStateException("messages still in " + url + " after 500 receives");
        }
    }

    /** Puts a message straight into the dead-letter queue: a forged one, as sent by someone who may send there. */
    public void sendToDeadLetterQueue(String body, String groupId) {
        sqs.sendMessage(r -> {
            r.queueUrl(dlqUrl).messageBody(body);
            if (groupId != null) {
                r.messageGroupId(groupId).messageDeduplicationId(UUID.randomUUID().toString());
            }
        });
    }

    public int visible() {
        return count(url, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
    }

    public int inFlight() {
        return count(url, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
    }

    /** Messages in the dead-letter queue, those hidden by a receive included. */
    public int inDeadLetterQueue() {
        return deadLettered() + count(dlqUrl, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
    }

    public int deadLettered() {
        return count(dlqUrl, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
    }

    /** The bodies in the dead-letter queue, read and left there (visible again at once). */
    public java.util.List<String> deadLetterBodies() {
        java.util.List<software.amazon.awssdk.services.sqs.model.Message> messages = sqs.receiveMessage(r -> r
                .queueUrl(dlqUrl).maxNumberOfMessages(10).visibilityTimeout(0).waitTimeSeconds(0)).messages();
        return messages.stream().map(software.amazon.awssdk.services.sqs.model.Message::body).toList();
    }

    private int count(String queue, QueueAttributeName attribute) {
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(queue).attributeNames(attribute))
                .attributes().get(attribute));
    }
}
