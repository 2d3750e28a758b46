package dev.keygate.gateway.accesslog;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Set;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * How an {@link AccessLogEntry} is written: a logfmt message of one line, and the same fields as
 * SLF4J key-value pairs (which Spring Boot's structured logging writes as JSON fields).
 *
 * <pre>
 * time=2026-12-02T16:00:00.123Z method=GET path=/hello status=200 duration_ms=12.345 bytes=345
 * key_id=AbCdEfGhIjK owner=alice reason=- trace_id=4bf92f3577b34da6a3ce929d0e0e4736
 * request_id=5f2e1c3a-7 client=203.0.113.7
 * </pre>
 *
 * <p>(one line in the log). An absent value is {@code -}. A value that is empty, is {@code -}, or
 * has anything but printable ASCII other than {@code "}, {@code =} and {@code \} is quoted, with
 * {@code "} and {@code \} escaped by a backslash, tab, CR and LF as {@code \t}, {@code \r}, {@code
 * \n}, and every other control or non-ASCII character as {@code \}{@code uXXXX}: a line is always
 * one line of printable ASCII, whatever a client or an owner name holds (no log injection). The
 * path is the raw, still percent-encoded one; the query, when logged, loses its credential
 * parameters (recognised by their decoded name, as the credential converter reads them).
 *
 * <p>Immutable and thread-safe; used on the writer's thread only.
 */
final class AccessLogFormat {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    private final Set<String> credentialParameters;

    /**
     * @param credentialParameters the query parameters that carry a key, removed from a logged
     *     query
     */
    AccessLogFormat(Collection<String> credentialParameters) {
        this.credentialParameters = Set.copyOf(credentialParameters);
    }

    /** What was requested: the raw path, and the query without credentials when it is logged. */
    String target(AccessLogEntry entry) {
        String query = entry.query() == null ? null : withoutCredentials(entry.query());
        return query == null || query.isEmpty() ? entry.path() : entry.path() + "?" + query;
    }

    /**
     * {@code rawQuery} without the {@code &}-separated pairs whose decoded name is a credential
     * parameter; every other pair keeps its raw form.
     */
    String withoutCredentials(String rawQuery) {
        if (credentialParameters.isEmpty()) {
            return rawQuery;
        }
        StringBuilder kept = new StringBuilder(rawQuery.length());
        for (String pair : rawQuery.split("&")) {
            if (!credentialParameters.contains(decodedName(pair))) {
                if (kept.length() > 0) {
                    kept.append('&');
                }
                kept.append(pair);
            }
        }
        return kept.toString();
    }

    /** The name of one pair as Spring reads it (leading {@code =} skipped), decoded. */
    private static String decodedName(String pair) {
        int start = 0;
        while (start < pair.length() && pair.charAt(start) == '=') {
            start++;
        }
        int equals = pair.indexOf('=', start);
        String raw = pair.substring(start, equals < 0 ? pair.length() : equals);
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException ex) {
            return raw;
        }
    }

    /** The logfmt line of {@code entry}, whose {@link #target} is {@code target}. */
    String line(AccessLogEntry entry, String target) {
        StringBuilder line = new StringBuilder(256);
        line.append("time=").append(TIME.format(entry.time()));
        field(line, "method", entry.method());
        field(line, "path", target);
        line.append(" status=").append(entry.status());
        line.append(" duration_ms=");
        appendMillis(line, entry.durationNanos());
        line.append(" bytes=").append(entry.bytes());
        field(line, "key_id", entry.keyId());
        field(line, "owner", entry.owner());
        field(line, "reason", entry.reason());
        field(line, "trace_id", entry.traceId());
        field(line, "request_id", entry.requestId());
        field(line, "client", entry.client() == null ? null : entry.client().getHostAddress());
        return line.toString();
    }

    /**
     * The same fields as key-value pairs, numbers as numbers; absent ones are left out rather than
     * written as {@code -}.
     */
    void addKeyValues(LoggingEventBuilder event, AccessLogEntry entry, String target) {
        event.addKeyValue("time", TIME.format(entry.time()))
                .addKeyValue("method", entry.method())
                .addKeyValue("path", target)
                .addKeyValue("status", entry.status())
                .addKeyValue("duration_ms", (entry.durationNanos() / 1000) / 1000.0)
                .addKeyValue("bytes", entry.bytes());
        addPresent(event, "key_id", entry.keyId());
        addPresent(event, "owner", entry.owner());
        addPresent(event, "reason", entry.reason());
        addPresent(event, "trace_id", entry.traceId());
        addPresent(event, "request_id", entry.requestId());
        addPresent(
                event, "client", entry.client() == null ? null : entry.client().getHostAddress());
    }

    private static void addPresent(LoggingEventBuilder event, String key, String value) {
        if (value != null) {
            event.addKeyValue(key, value);
        }
    }

    private static void field(StringBuilder line, String key, String value) {
        line.append(' ').append(key).append('=');
        appendValue(line, value);
    }

    /** Milliseconds with three decimals (microsecond resolution), never in exponent notation. */
    static void appendMillis(StringBuilder out, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        long fraction = micros % 1000;
        out.append(micros / 1000).append('.');
        if (fraction < 100) {
            out.append('0');
        }
        if (fraction < 10) {
            out.append('0');
        }
        out.append(fraction);
    }

    /** {@code value} as a logfmt value: {@code -} when null, quoted and escaped when it must be. */
    static void appendValue(StringBuilder out, String value) {
        if (value == null) {
            out.append('-');
            return;
        }
        if (isBare(value)) {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        out.append(c);
                    } else {
                        out.append("\\u");
                        String hex = Integer.toHexString(c);
                        for (int pad = hex.length(); pad < 4; pad++) {
                            out.append('0');
                        }
                        out.append(hex);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Printable ASCII without space, quote, equals sign or backslash; not empty, not "-". */
    private static boolean isBare(String value) {
        if (value.isEmpty() || value.equals("-")) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '=' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
