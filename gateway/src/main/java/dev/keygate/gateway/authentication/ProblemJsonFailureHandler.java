package dev.keygate.gateway.authentication;

import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The default {@link ApiKeyFailureHandler}: every refusal as RFC 9457 {@code
 * application/problem+json}, with the challenge RFC 6750 asks for. The bodies are built once, from
 * Spring's {@link ProblemDetail}, serialized by Jackson at construction: the 401 for an unknown id,
 * a wrong secret, a removed, expired, disabled or malformed key is byte-for-byte the same, so the
 * response is no oracle (metrics tell the cases apart). Nothing from the request is echoed.
 *
 * <table>
 *   <caption>Problem types (prefix https://keygate.dev/problems/)</caption>
 *   <tr><th>status</th><th>type</th><th>when</th></tr>
 *   <tr><td>401</td><td>{@code missing-api-key}</td><td>no key presented</td></tr>
 *   <tr><td>401</td><td>{@code invalid-api-key}</td><td>malformed, unknown, wrong secret, removed, expired, disabled, rotated away</td></tr>
 *   <tr><td>400</td><td>{@code ambiguous-api-key}</td><td>two different keys in one request</td></tr>
 *   <tr><td>403</td><td>{@code insufficient-scope}</td><td>valid key, missing scope or organization</td></tr>
 *   <tr><td>429</td><td>{@code too-many-failed-attempts}</td><td>the client's address failed too often this minute; with {@code Retry-After}</td></tr>
 *   <tr><td>400</td><td>{@code rejected-request}</td><td>a path that is not in canonical form, or a method not allowed (the request firewall)</td></tr>
 *   <tr><td>503</td><td>{@code key-store-unavailable}</td><td>the key store cannot be asked; with {@code Retry-After}</td></tr>
 *   <tr><td>429</td><td>{@code rate-limited}</td><td>a valid key over a rate limit (its own, its owner's, the route's); with {@code Retry-After}, {@code violated-policies}</td></tr>
 *   <tr><td>429</td><td>{@code quota-exceeded}</td><td>a valid key over its or its owner's quota for the day or month; with {@code Retry-After}, {@code violated-policies}</td></tr>
 *   <tr><td>503</td><td>{@code limits-unavailable}</td><td>the quota could not be checked and quotas fail closed; with {@code Retry-After}</td></tr>
 * </table>
 *
 * Immutable and thread-safe.
 */
public final class ProblemJsonFailureHandler implements ApiKeyFailureHandler {

    private final List<String> schemes;
    private final String realm;
    private final String unavailableRetryAfter;
    private final Map<Refusal.Response, byte[]> bodies = new EnumMap<>(Refusal.Response.class);
    private final Map<Refusal.Response, List<String>> challenges =
            new EnumMap<>(Refusal.Response.class);
    private final JsonMapper json = JsonMapper.builder().build();

    /**
     * @param schemes the {@code Authorization} schemes keys are accepted with (one challenge each;
     *     {@code Bearer} when none)
     * @param realm the realm named in challenges
     * @param unavailableRetryAfter the {@code Retry-After} of a 503, in whole seconds (at least
     *     one)
     */
    public ProblemJsonFailureHandler(
            List<String> schemes, String realm, Duration unavailableRetryAfter) {
        this.schemes = schemes.isEmpty() ? List.of("Bearer") : List.copyOf(schemes);
        this.realm = realm;
        // whole seconds, at least one: a 503 always says when to come back
        this.unavailableRetryAfter = Long.toString(Math.max(1, unavailableRetryAfter.toSeconds()));
        for (Refusal.Response response : Refusal.Response.values()) {
            bodies.put(response, json.writeValueAsBytes(members(problem(response))));
            challenges.put(
                    response,
                    response.challenges() ? challenges(response.error(), Set.of()) : List.of());
        }
    }

    /** The problem a refusal is answered with. */
    static ProblemDetail problem(Refusal.Response response) {
        ProblemDetail problem =
                ProblemDetail.forStatusAndDetail(
                        HttpStatus.valueOf(response.status()), response.detail());
        problem.setType(URI.create(TYPE_BASE + response.type()));
        problem.setTitle(response.title());
        return problem;
    }

    /** The members of {@code problem} in RFC 9457's order; no {@code instance}: nothing echoed. */
    private static Map<String, Object> members(ProblemDetail problem) {
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("type", problem.getType().toString());
        members.put("title", problem.getTitle());
        members.put("status", problem.getStatus());
        members.put("detail", problem.getDetail());
        return members;
    }

    @Override
    public Mono<Void> refuse(ServerWebExchange exchange, Refusal refusal) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        Refusal.Response answer = refusal.reason().response();
        byte[] body =
                refusal.violatedPolicies().isEmpty()
                        ? bodies.get(answer)
                        : withViolatedPolicies(answer, refusal.violatedPolicies());
        HttpHeaders headers = response.getHeaders();
        response.setStatusCode(HttpStatus.valueOf(answer.status()));
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        headers.setContentLength(body.length);
        headers.setCacheControl("no-store");
        List<String> challenge =
                refusal.requiredScopes().isEmpty()
                        ? challenges.get(answer)
                        : challenges(answer.error(), refusal.requiredScopes());
        if (!challenge.isEmpty()) {
            headers.put(HttpHeaders.WWW_AUTHENTICATE, challenge);
        }
        String retryAfter = retryAfter(refusal);
        if (retryAfter != null) {
            headers.set(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }

    /**
     * A usage-limit refusal's body: the problem with the draft RateLimit fields' {@code
     * violated-policies} member (policy names only, nothing from the request).
     */
    private byte[] withViolatedPolicies(Refusal.Response answer, List<String> violated) {
        Map<String, Object> members = members(problem(answer));
        members.put("violated-policies", violated);
        return json.writeValueAsBytes(members);
    }

    /** The {@code Retry-After} value, or {@code null} for none. */
    private String retryAfter(Refusal refusal) {
        if (refusal.reason().response().status() == 503 && refusal.retryAfter().isZero()) {
            return unavailableRetryAfter;
        }
        if (refusal.reason() == Refusal.Reason.THROTTLED || !refusal.retryAfter().isZero()) {
            return Long.toString(seconds(refusal.retryAfter()));
        }
        return null;
    }

    /** Whole seconds, rounded up, at least one. */
    private static long seconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }

    /** One challenge per scheme: {@code <scheme> realm="..."[, error="..."][, scope="a b"]}. */
    private List<String> challenges(String error, Set<String> scopes) {
        StringBuilder parameters = new StringBuilder();
        if (error != null) {
            parameters.append(", error=\"").append(error).append('"');
        }
        if (!scopes.isEmpty()) {
            parameters
                    .append(", scope=\"")
                    .append(String.join(" ", scopes.stream().sorted().toList()))
                    .append('"');
        }
        return schemes.stream()
                .map(scheme -> scheme + " realm=\"" + realm + "\"" + parameters)
                .toList();
    }

    @Override
    public String toString() {
        return "ProblemJsonFailureHandler[realm=" + realm + ", schemes=" + schemes + "]";
    }
}
