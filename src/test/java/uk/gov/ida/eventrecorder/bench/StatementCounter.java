package uk.gov.ida.eventrecorder.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of PostgreSQL that counts what clients ask of it: statements executed (the extended protocol's
 * Execute messages and simple Query messages) and round trips (Sync and Query: each waits for the server's answer).
 * It reads the frontend protocol's framing only (a type byte and a length after the startup packet:
 * https://www.postgresql.org/docs/15/protocol-message-formats.html) and forwards every byte unchanged. Without TLS:
 * the benchmark's connections are plain.
 */
final class StatementCounter implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final AtomicLong statements = new AtomicLong();
    private final AtomicLong roundTrips = new AtomicLong();

    StatementCounter(String host, int port) throws IOException {
        this.target = new InetSocketAddress(host, port);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "statement-counter-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Statements and round trips so far. */
    long[] counts() {
        return new long[] {statements.get(), roundTrips.get()};
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                client.setTcpNoDelay(true);
                Socket server = new Socket();
                server.setTcpNoDelay(true);
                server.connect(target, 2_000);
                daemon(() -> frontend(client, server));
                daemon(() -> copy(server, client));
            } catch (IOException e) {
                // closed
            }
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "statement-counter");
        t.setDaemon(true);
        t.start();
    }

    /** Client to server: the startup packet (length-prefixed, no type byte; an SSLRequest first is refused), then typed messages. */
    private void frontend(Socket from, Socket to) {
        try (DataInputStream in = new DataInputStream(from.getInputStream()); OutputStream out = to.getOutputStream()) {
            boolean startup = true;
            while (true) {
                int type;
                if (startup) {
                    type = -1;
                } else {
                    type = in.read();
                    if (type < 0) {
                        return;
                    }
                }
                int length = in.readInt();
                byte[] body = in.readNBytes(length - 4);
                if (type >= 0) {
                    out.write(type);
                }
                out.write(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8),
                        (byte) length});
                out.write(body);
                out.flush();
                if (startup) {
                    // SSLRequest / GSSENCRequest codes: the server answers one byte and the real startup follows.
                    int code = body.length >= 4 ? ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16)
                            | ((body[2] & 0xff) << 8) | (body[3] & 0xff) : 0;
                    startup = code == 80877103 || code == 80877104;
                    continue;
                }
                switch (type) {
                    case 'E' -> statements.incrementAndGet();
                    case 'Q' -> {
                        statements.incrementAndGet();
                        roundTrips.incrementAndGet();
                    }
                    case 'S' -> roundTrips.incrementAndGet();
                    default -> {
                    }
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            close(from, to);
        }
    }

    private static void copy(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // closed
        } finally {
            close(from, to);
        }
    }

    private static void close(Socket a, Socket b) {
        try {
            a.close();
            b.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
