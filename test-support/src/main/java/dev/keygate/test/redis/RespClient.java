package dev.keygate.test.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny blocking RESP2 client for tests: set-up, fault injection ({@code CLIENT KILL}, {@code
 * DEBUG SLEEP}) and assertions ({@code INFO commandstats}). It exists so the harness does not
 * depend on the client library under test. Not thread-safe: one instance per thread.
 *
 * <p>Replies decode to {@code String} (simple and bulk strings; {@code null} for nil), {@code Long}
 * (integers), {@code List<Object>} (arrays); an error reply throws {@link RedisErrorReply}.
 */
public final class RespClient implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 1_000;
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RespClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects with a 1 s connect timeout and a 10 s read timeout. */
    public static RespClient connect(String host, int port) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            return new RespClient(socket);
        } catch (IOException ex) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                ex.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot connect to Redis at " + host + ":" + port, ex);
        }
    }

    /** Sends one command and reads its reply. */
    public Object command(String... args) {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            buffer.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                buffer.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                buffer.write(bytes);
                buffer.write('\r');
                buffer.write('\n');
            }
            out.write(buffer.toByteArray());
            out.flush();
            return readReply();
        } catch (IOException ex) {
            throw new UncheckedIOException("Redis command " + args[0] + " failed", ex);
        }
    }

    private Object readReply() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed by Redis");
        }
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new RedisErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$':
                {
                    int length = Integer.parseInt(line);
                    if (length < 0) {
                        return null;
                    }
                    byte[] data = in.readNBytes(length);
                    readLine();
                    return new String(data, StandardCharsets.UTF_8);
                }
            case '*':
                {
                    int count = Integer.parseInt(line);
                    if (count < 0) {
                        return null;
                    }
                    List<Object> items = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        items.add(readReply());
                    }
                    return items;
                }
            default:
                throw new IOException("unexpected RESP type byte " + type);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("connection closed by Redis");
            }
            if (previous == '\r' && next == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(next);
            previous = next;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection: nothing useful to do
        }
    }

    /** An error reply from Redis ({@code -ERR ...}). */
    public static final class RedisErrorReply extends RuntimeException {
        RedisErrorReply(String message) {
            super(message);
        }
    }
}
