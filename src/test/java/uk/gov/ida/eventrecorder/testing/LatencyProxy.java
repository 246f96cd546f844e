package uk.gov.ida.eventrecorder.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;

/**
 * A TCP proxy on loopback that holds every chunk it forwards for a fixed delay, each way: a region's network between
 * a function and SQS (a few milliseconds a hop), on one machine. For request/response traffic like the SQS API, each
 * request and each response is one chunk, so every call costs about twice the delay more.
 */
public final class LatencyProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final long delayNanos;

    public LatencyProxy(URI target, long delayMillis) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.delayNanos = delayMillis * 1_000_000;
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "latency-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The endpoint to give clients instead of the target's. */
    public String endpoint() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                client.setTcpNoDelay(true);
                Socket server = new Socket();
                server.setTcpNoDelay(true);
                server.connect(target, 2_000);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                // listener closed
            }
        }
    }

    /** Bytes read at a moment, due to be written {@code delay} later. */
    private record Chunk(long dueNanos, byte[] bytes) {
    }

    private static final Chunk END = new Chunk(0, new byte[0]);

    /**
     * A reader that stamps each chunk as it arrives and a writer that sends it when due: chunks arriving back to
     * back are each delayed once, not one after the other.
     */
    private void pump(Socket from, Socket to) {
        java.util.concurrent.BlockingQueue<Chunk> chunks = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    chunks.add(new Chunk(System.nanoTime() + delayNanos, java.util.Arrays.copyOf(buffer, n)));
                }
            } catch (IOException e) {
                // closed
            } finally {
                chunks.add(END);
            }
        }, "latency-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk chunk = chunks.take();
                    if (chunk == END) {
                        break;
                    }
                    long wait = chunk.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "latency-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
