package uk.gov.ida.eventrecorder.testing;

import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

import java.io.IOException;
import java.net.ServerSocket;

/** ElasticMQ in-process on loopback, handing out queue URLs that point at loopback too (docs/TEST-SERVERS.md). */
public final class ElasticMq implements AutoCloseable {
    private final SQSRestServer server;
    private final int port;

    public ElasticMq() {
        this.port = freePort();
        this.server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port)
                .withServerAddress(new NodeAddress("http", "127.0.0.1", port, "")).start();
        server.waitUntilStarted();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        server.stopAndWait();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
