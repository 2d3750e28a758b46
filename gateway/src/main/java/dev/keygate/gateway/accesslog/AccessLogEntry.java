package dev.keygate.gateway.accesslog;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * What the access log says about one request, as raw values: taken on the event loop when the
 * request completes (no formatting there), formatted by {@link AccessLogWriter}'s thread. Never
 * holds the presented key, a secret or a credential header; the raw query, when it is kept at all,
 * still has its credential parameters (they are removed when the line is formatted). Immutable.
 *
 * @param time when the request arrived
 * @param method the HTTP method
 * @param path the raw (still percent-encoded) path, without the query
 * @param query the raw query string when the query is logged and the request has one, else {@code
 *     null}
 * @param status the status answered (see {@link AccessLogWebFilter} for errors and cancelled
 *     requests)
 * @param durationNanos from arrival to completion
 * @param bytes response body bytes handed to the connection
 * @param keyId the id of the key that authenticated, or {@code null}
 * @param owner that key's owner, or {@code null}
 * @param reason the refusal's code ({@code unknown}, {@code forbidden}, {@code rejected}...), or
 *     {@code null} when the request was not refused by Keygate
 * @param traceId the trace id of the request's observation, or {@code null} without tracing
 * @param requestId the server's id of the request (the one in Spring's log prefixes)
 * @param client the client's address (the throttle's resolver: the TCP peer, or what trusted
 *     proxies forwarded for), or {@code null} when unknown
 */
public record AccessLogEntry(
        Instant time,
        String method,
        String path,
        String query,
        int status,
        long durationNanos,
        long bytes,
        String keyId,
        String owner,
        String reason,
        String traceId,
        String requestId,
        InetAddress client) {

    public AccessLogEntry {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
    }
}
