package dev.keygate.test.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A slowloris client for tests: opens a connection, sends a request line, then one more header line
 * every {@code pace}, never finishing the head, until the server closes the connection or {@code
 * limit} has passed. The pace is the socket's read timeout (a read that waits for the server's
 * answer), not a sleep.
 */
public final class SlowClient {

    private SlowClient() {}

    /**
     * How long the server kept the trickling connection open, or {@code null} when it was still
     * open after {@code limit}.
     */
    public static Duration heldOpen(int port, Duration pace, Duration limit) throws IOException {
        return trickle(
                port,
                "GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                line -> "X-Slow-" + line + ": a\r\n",
                pace,
                limit);
    }

    /**
     * How long the server kept a connection open whose request was answered at once (no key) while
     * its announced body still trickles in, one byte every {@code pace}; {@code null} when it was
     * still open after {@code limit}.
     */
    public static Duration heldOpenAfterAnswer(int port, Duration pace, Duration limit)
            throws IOException {
        return trickle(
                port,
                "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n",
                line -> "x",
                pace,
                limit);
    }

    /**
     * Sends {@code start}, then {@code next.apply(n)} each time the server stays silent for {@code
     * pace}, reading whatever it answers, until it closes the connection (the time that took) or
     * {@code limit} has passed ({@code null}).
     */
    private static Duration trickle(
            int port,
            String start,
            java.util.function.IntFunction<String> next,
            Duration pace,
            Duration limit)
            throws IOException {
        long began = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) pace.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(start.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int n = 0; System.nanoTime() - began < limit.toNanos(); n++) {
                try {
                    if (in.read() < 0) {
                        return Duration.ofNanos(System.nanoTime() - began);
                    }
                    // the server answered something (a 401, a 408) before closing: keep reading
                } catch (SocketTimeoutException stillOpen) {
                    try {
                        out.write(next.apply(n).getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    } catch (IOException closed) {
                        return Duration.ofNanos(System.nanoTime() - began);
                    }
                }
            }
            return null;
        } catch (java.net.SocketException reset) {
            return Duration.ofNanos(System.nanoTime() - began);
        }
    }

    /**
     * Whether a keep-alive connection that completed one request is still usable after being idle
     * for {@code idle}: sends {@code GET path} twice, the second after the idle wait (a read
     * timeout on the open connection), and returns the second status, or -1 when the server had
     * closed it.
     */
    public static int statusAfterIdle(int port, String path, Duration idle) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] request =
                    ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
            socket.setSoTimeout(10_000);
            out.write(request);
            out.flush();
            readResponse(in);
            socket.setSoTimeout((int) idle.toMillis());
            try {
                if (in.read() < 0) {
                    return -1;
                }
                throw new IOException("unexpected bytes on an idle connection");
            } catch (SocketTimeoutException stillOpen) {
                // idle for the whole wait, and still open
            }
            socket.setSoTimeout(10_000);
            out.write(request);
            out.flush();
            return readResponse(in);
        }
    }

    private static int readResponse(InputStream in) throws IOException {
        return RawHttp.readResponse(in).status();
    }
}
