package dev.keygate.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 keep-alive client over one socket, so that a probe costs one loopback round
 * trip and nothing else (no executor hand-offs). Reads the status, skips the body (content-length
 * or chunked), reconnects when the server closes. Not thread-safe: one per thread.
 */
final class RawHttp implements AutoCloseable {

    private final String host;
    private final int port;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    RawHttp(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Sends one request, returns the status code. */
    int send(String method, String path, String... headerLines) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (socket == null) {
                    connect();
                }
                StringBuilder request = new StringBuilder(256);
                request.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
                request.append("Host: ").append(host).append(':').append(port).append("\r\n");
                for (String line : headerLines) {
                    request.append(line).append("\r\n");
                }
                request.append("\r\n");
                out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return readResponse();
            } catch (IOException ex) {
                close();
                if (attempt >= 1) {
                    throw ex;
                }
            }
        }
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        socket.connect(new InetSocketAddress(host, port), 2000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 16384);
    }

    private int readResponse() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean closeAfter = false;
        String header;
        while ((header = line()) != null && !header.isEmpty()) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                closeAfter = true;
            }
        }
        if (chunked) {
            while (true) {
                long size = Long.parseLong(line().trim().split(";")[0], 16);
                skip(size);
                line();
                if (size == 0) {
                    break;
                }
            }
        } else if (length > 0) {
            skip(length);
        }
        if (closeAfter) {
            close();
        }
        return status;
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in body");
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = line.length();
                if (len > 0 && line.charAt(len - 1) == '\r') {
                    line.setLength(len - 1);
                }
                return line.toString();
            }
            line.append((char) c);
        }
        return line.length() == 0 ? null : line.toString();
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
