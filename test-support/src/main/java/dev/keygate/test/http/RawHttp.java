package dev.keygate.test.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written by hand over one socket, for what a client library would hide or normalise
 * (connection reuse, odd request lines, duplicate headers) and for probes that must cost one
 * loopback round trip and nothing else (no executor hand-offs). Requests are sent as written;
 * responses are read with a Content-Length, chunked, or without a body.
 *
 * <p>An instance is one keep-alive connection, opened on first use; not thread-safe (one per
 * thread). The static methods open a connection of their own.
 */
public final class RawHttp implements AutoCloseable {

    /** One response: status, headers (names in lower case, the last value of each) and body. */
    public record Response(int status, Map<String, String> headers, String body) {

        /** The value of header {@code name} (lower case), or null. */
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final String host;
    private final int port;
    private final boolean reconnect;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    private RawHttp(String host, int port, boolean reconnect) {
        this.host = host;
        this.port = port;
        this.reconnect = reconnect;
    }

    /**
     * A client that opens its connection again (once per request) when the server closed it: for
     * probes and load that only care about the status.
     */
    public static RawHttp reconnecting(String host, int port) {
        return new RawHttp(host, port, true);
    }

    /**
     * Sends each request line ({@code "GET /path"}) in turn on one connection, reading each
     * response completely before sending the next; returns the statuses. A connection the server
     * closes in between is an error, never silently reopened.
     *
     * @throws java.net.SocketTimeoutException when a response does not come within 5 s
     */
    public static List<Integer> onOneConnection(int port, List<String> requestLines)
            throws IOException {
        List<Integer> statuses = new ArrayList<>();
        try (RawHttp http = new RawHttp("127.0.0.1", port, false)) {
            for (String requestLine : requestLines) {
                statuses.add(http.exchange(requestLine + " HTTP/1.1").status());
            }
        }
        return statuses;
    }

    /**
     * Sends one request, exactly as given (request line with its protocol, then {@code Host:
     * 127.0.0.1}, then each header line), on a connection of its own, and reads the whole response
     * (10 s read timeout).
     */
    public static Response send(int port, String requestLine, String... headerLines)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request(requestLine, "127.0.0.1", headerLines));
            out.flush();
            return readResponse(socket.getInputStream());
        }
    }

    /** Sends one request ({@code method path}) on this client's connection; returns the status. */
    public int send(String method, String path, String... headerLines) throws IOException {
        return exchange(method + " " + path + " HTTP/1.1", headerLines).status();
    }

    /**
     * Sends one request ({@code requestLine} as written, protocol included) on this client's
     * connection and reads its whole response.
     */
    public Response exchange(String requestLine, String... headerLines) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (socket == null) {
                    connect();
                }
                out.write(request(requestLine, host + ":" + port, headerLines));
                out.flush();
                Response response = readResponse(in);
                String connection = response.header("connection");
                if (connection != null && connection.toLowerCase(Locale.ROOT).contains("close")) {
                    close();
                }
                return response;
            } catch (IOException ex) {
                close();
                if (!reconnect || attempt >= 1) {
                    throw ex;
                }
            }
        }
    }

    private static byte[] request(String requestLine, String host, String... headerLines) {
        StringBuilder request = new StringBuilder(256);
        request.append(requestLine).append("\r\n");
        request.append("Host: ").append(host).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("\r\n");
        return request.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        socket.connect(new InetSocketAddress(host, port), 2000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 16384);
    }

    /** Reads one whole response (Content-Length, chunked, or no body). */
    public static Response readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            int colon = header.indexOf(':');
            headers.put(
                    header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    header.substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        byte[] body;
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                chunks.write(in.readNBytes(size));
                readLine(in);
            }
            readLine(in);
            body = chunks.toByteArray();
        } else {
            body = new byte[0];
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static int chunkSize(InputStream in) throws IOException {
        return Integer.parseInt(readLine(in).trim().split(";")[0], 16);
    }

    /** One line of a response, without its CR LF. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
    }
}
