package dev.keygate.gateway.authentication;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Writes every refusal as RFC 9457 {@code application/problem+json}, with the challenge RFC 6750
 * asks for. The bodies are constants: the 401 for an unknown id, a wrong secret, a removed,
 * expired, disabled or malformed key is byte-for-byte the same, so the response is no oracle
 * (metrics tell the cases apart). Nothing from the request, and never a key, is echoed.
 *
 * <table>
 *   <caption>Problem types (prefix {@value #TYPE_BASE})</caption>
 *   <tr><th>status</th><th>type</th><th>when</th></tr>
 *   <tr><td>401</td><td>{@code missing-api-key}</td><td>no key presented</td></tr>
 *   <tr><td>401</td><td>{@code invalid-api-key}</td><td>malformed, unknown, wrong secret, removed, expired, disabled, rotated away</td></tr>
 *   <tr><td>400</td><td>{@code ambiguous-api-key}</td><td>two different keys in one request</td></tr>
 *   <tr><td>403</td><td>{@code insufficient-scope}</td><td>valid key, missing scope or organization</td></tr>
 *   <tr><td>429</td><td>{@code too-many-failed-attempts}</td><td>the client's address failed too often this minute; with {@code Retry-After}</td></tr>
 *   <tr><td>400</td><td>{@code rejected-request}</td><td>a path that is not in canonical form, or a method not allowed (the request firewall)</td></tr>
 *   <tr><td>503</td><td>{@code key-store-unavailable}</td><td>the key store cannot be asked; with {@code Retry-After}</td></tr>
 * </table>
 *
 * Immutable and thread-safe.
 */
public final class ApiKeyFailureHandler {

    /** Prefix of every problem type URI. */
    public static final String TYPE_BASE = "https://keygate.dev/problems/";

    private static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private final List<String> schemes;
    private final String realm;
    private final String retryAfterSeconds;
    private final byte[] missing;
    private final byte[] invalid;
    private final byte[] ambiguous;
    private final byte[] forbidden;
    private final byte[] unavailable;
    private final byte[] throttled;
    private final byte[] rejected;

    public ApiKeyFailureHandler(List<String> schemes, String realm, Duration retryAfter) {
        this.schemes = schemes.isEmpty() ? List.of("Bearer") : List.copyOf(schemes);
        this.realm = realm;
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
        this.missing =
                problem(
                        "missing-api-key",
                        "API key required",
                        401,
                        "This resource requires an API key.");
        this.invalid =
                problem("invalid-api-key", "Invalid API key", 401, "The API key is not valid.");
        this.ambiguous =
                problem(
                        "ambiguous-api-key",
                        "More than one API key",
                        400,
                        "The request carries more than one different API key; send exactly one.");
        this.forbidden =
                problem(
                        "insufficient-scope",
                        "Insufficient scope",
                        403,
                        "The API key is valid but not allowed to use this resource.");
        this.throttled =
                problem(
                        "too-many-failed-attempts",
                        "Too many failed attempts",
                        429,
                        "Too many requests with invalid API keys came from this address. Retry later.");
        this.rejected =
                problem(
                        "rejected-request",
                        "Request rejected",
                        400,
                        "The request path must be in canonical form: no dot segments, encoded"
                                + " slashes or percent signs, backslashes, semicolons, double"
                                + " slashes or control characters; or the method is not allowed.");
        this.unavailable =
                problem(
                        "key-store-unavailable",
                        "API keys cannot be verified",
                        503,
                        "API keys cannot be verified right now. Retry later.");
    }

    /** 401 with no error code: nothing was presented. */
    public Mono<Void> missing(ServerWebExchange exchange) {
        return write(exchange, HttpStatus.UNAUTHORIZED, missing, challenges(null));
    }

    /** 401 {@code invalid_token}: the same answer for every kind of bad key. */
    public Mono<Void> invalid(ServerWebExchange exchange) {
        return write(
                exchange, HttpStatus.UNAUTHORIZED, invalid, challenges("error=\"invalid_token\""));
    }

    /** 400 {@code invalid_request}: two different keys. */
    public Mono<Void> ambiguous(ServerWebExchange exchange) {
        return write(
                exchange,
                HttpStatus.BAD_REQUEST,
                ambiguous,
                challenges("error=\"invalid_request\""));
    }

    /** 403 {@code insufficient_scope}, naming the scopes the route requires. */
    public Mono<Void> forbidden(ServerWebExchange exchange, Set<String> requiredScopes) {
        String scope =
                requiredScopes.isEmpty()
                        ? ""
                        : ", scope=\""
                                + String.join(" ", requiredScopes.stream().sorted().toList())
                                + "\"";
        return write(
                exchange,
                HttpStatus.FORBIDDEN,
                forbidden,
                challenges("error=\"insufficient_scope\"" + scope));
    }

    /** 503 with {@code Retry-After}: fail closed, the key may or may not be valid. */
    public Mono<Void> unavailable(ServerWebExchange exchange) {
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        return write(exchange, HttpStatus.SERVICE_UNAVAILABLE, unavailable, List.of());
    }

    /** 429 with {@code Retry-After}: this address failed too often this minute. */
    public Mono<Void> throttled(ServerWebExchange exchange, Duration retryAfter) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        return write(exchange, HttpStatus.TOO_MANY_REQUESTS, throttled, List.of());
    }

    /** 400: the request firewall refused the request's path or method. */
    public Mono<Void> rejected(ServerWebExchange exchange) {
        return write(exchange, HttpStatus.BAD_REQUEST, rejected, List.of());
    }

    private List<String> challenges(String parameters) {
        return schemes.stream()
                .map(
                        scheme ->
                                scheme
                                        + " realm=\""
                                        + realm
                                        + "\""
                                        + (parameters == null ? "" : ", " + parameters))
                .toList();
    }

    private Mono<Void> write(
            ServerWebExchange exchange, HttpStatus status, byte[] body, List<String> challenges) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        response.setStatusCode(status);
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(PROBLEM_JSON);
        headers.setContentLength(body.length);
        headers.setCacheControl("no-store");
        if (!challenges.isEmpty()) {
            headers.put(HttpHeaders.WWW_AUTHENTICATE, challenges);
        }
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    private static byte[] problem(String type, String title, int status, String detail) {
        return ("{\"type\":\""
                        + TYPE_BASE
                        + type
                        + "\",\"title\":\""
                        + title
                        + "\",\"status\":"
                        + status
                        + ",\"detail\":\""
                        + detail
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
