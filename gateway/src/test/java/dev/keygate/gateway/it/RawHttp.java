package dev.keygate.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 requests written by hand, one after the other on one keep-alive connection, for tests of
 * what a client library would hide (connection reuse). Responses must carry a Content-Length.
 */
final class RawHttp {

    private RawHttp() {}

    /**
     * Sends each request line ({@code "GET /path"}) in turn on one connection, reading each
     * response completely before sending the next; returns the statuses.
     *
     * @throws java.net.SocketTimeoutException when a response does not come within 5 s
     */
    static List<Integer> onOneConnection(int port, List<String> requestLines) throws IOException {
        List<Integer> statuses = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (String requestLine : requestLines) {
                out.write(
                        (requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                statuses.add(readResponse(in));
            }
        }
        return statuses;
    }

    private static int readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = -1;
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring("content-length:".length()).trim());
            }
        }
        if (length < 0) {
            throw new IOException("response without Content-Length: " + statusLine);
        }
        in.readNBytes(length);
        return status;
    }

    /** One line of a response, without its CR LF. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
