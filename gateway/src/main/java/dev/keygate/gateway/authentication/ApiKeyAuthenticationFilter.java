package dev.keygate.gateway.authentication;

import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.KeyRejection;
import dev.keygate.core.key.ParseResult;
import dev.keygate.core.key.ParsedApiKey;
import dev.keygate.gateway.config.KeygateGatewayProperties.IdentityHeaders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Authenticates every request on every route, unless the route is marked public (see {@link
 * RouteRequirements}) or the request is a CORS preflight and those are allowed through. The filter
 * only wires the parts, each with one job:
 *
 * <ol>
 *   <li>{@link ApiKeyCredentialConverter}: where is the key? (none: 401, two different: 400)
 *   <li>{@link FailedAuthenticationThrottle} (optional): has this client address failed too often
 *       this minute? (yes: 429, before any parsing or lookup)
 *   <li>{@link ApiKeyParser}: is it well formed? offline, no I/O (no: 401)
 *   <li>{@link ApiKeyVerifier}: is it a valid key? cache, then Redis (no: 401; store down: 503)
 *   <li>{@link ApiKeyAuthorizer}: may it use this route? (no: 403)
 *   <li>{@link ApiKeyFailureHandler}: writes every refusal
 * </ol>
 *
 * On success the request goes upstream without the credential (unless configured otherwise) and
 * with the identity headers; identity headers sent by the client are removed on every route first,
 * public ones included, so they cannot be spoofed. A request authenticated with a previous secret
 * during its rotation grace gets {@code Deprecation} and {@code Sunset} response headers.
 *
 * <p>Fails closed: any error on the way, including a store error, becomes a 503, never a
 * pass-through. Thread-safe; never blocks.
 */
public final class ApiKeyAuthenticationFilter implements GlobalFilter, Ordered {

    /** Runs before route filters (which start at 1) and before Spring Cloud Gateway's own. */
    public static final int ORDER = -200;

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final ApiKeyCredentialConverter converter;
    private final ApiKeyParser parser;
    private final ApiKeyVerifier verifier;
    private final ApiKeyAuthorizer authorizer;
    private final ApiKeyFailureHandler failures;
    private final IdentityHeaders identity;
    private final boolean stripCredentials;
    private final boolean corsPreflightPublic;

    /** Overlaid on forwarded requests: the identity headers, then the credential headers. */
    private final String[] forwardedNames;

    private final int authorizationIndex;
    private final String[] identityNames;
    private final Map<AuthOutcome, Counter> outcomes = new EnumMap<>(AuthOutcome.class);
    private final Map<KeyRejection, Counter> rejections = new EnumMap<>(KeyRejection.class);
    private FailedAuthenticationThrottle throttle;
    private ClientAddressResolver addresses;

    public ApiKeyAuthenticationFilter(
            ApiKeyCredentialConverter converter,
            ApiKeyParser parser,
            ApiKeyVerifier verifier,
            ApiKeyAuthorizer authorizer,
            ApiKeyFailureHandler failures,
            IdentityHeaders identity,
            boolean stripCredentials,
            boolean corsPreflightPublic,
            MeterRegistry registry) {
        this.converter = converter;
        this.parser = parser;
        this.verifier = verifier;
        this.authorizer = authorizer;
        this.failures = failures;
        this.identity = identity;
        this.stripCredentials = stripCredentials;
        this.corsPreflightPublic = corsPreflightPublic;
        this.identityNames = identity.all().toArray(String[]::new);
        List<String> names = new ArrayList<>(identity.all());
        if (stripCredentials) {
            for (String header : converter.headerNames()) {
                if (names.stream().noneMatch(header::equalsIgnoreCase)) {
                    names.add(header);
                }
            }
        }
        this.forwardedNames = names.toArray(String[]::new);
        this.authorizationIndex = stripCredentials ? names.indexOf(HttpHeaders.AUTHORIZATION) : -1;
        for (AuthOutcome outcome : AuthOutcome.values()) {
            outcomes.put(
                    outcome,
                    Counter.builder("keygate.auth")
                            .description("API-key authentication attempts by outcome")
                            .tag("outcome", outcome.code())
                            .register(registry));
        }
        for (KeyRejection rejection : KeyRejection.values()) {
            rejections.put(
                    rejection,
                    Counter.builder("keygate.auth.malformed")
                            .description("Malformed keys by reason (checked offline)")
                            .tag("reason", rejection.code())
                            .register(registry));
        }
    }

    /**
     * Refuse, with 429, clients whose address failed too often (off unless set).
     *
     * @param throttle counts failures per address
     * @param addresses finds a request's client address
     */
    public void setFailureThrottle(
            FailedAuthenticationThrottle throttle, ClientAddressResolver addresses) {
        this.throttle = java.util.Objects.requireNonNull(throttle, "throttle");
        this.addresses = java.util.Objects.requireNonNull(addresses, "addresses");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        RouteRequirements requirements;
        try {
            requirements = RouteRequirements.of(route);
        } catch (RuntimeException ex) {
            return failures.unavailable(exchange);
        }
        if (requirements.isPublic() || (corsPreflightPublic && isPreflight(request))) {
            return chain.filter(withoutIdentityHeaders(exchange));
        }
        CredentialExtraction extraction = converter.extract(request);
        if (extraction == CredentialExtraction.MISSING) {
            count(AuthOutcome.MISSING);
            return failures.missing(exchange);
        }
        String address = throttle == null ? null : addresses.resolve(request);
        if (address != null) {
            java.time.Duration retryAfter = throttle.retryAfter(address);
            if (!retryAfter.isZero()) {
                count(AuthOutcome.THROTTLED);
                return failures.throttled(exchange, retryAfter);
            }
        }
        if (!(extraction instanceof CredentialExtraction.Presented presented)) {
            fail(AuthOutcome.AMBIGUOUS, address);
            return failures.ambiguous(exchange);
        }
        ParseResult parsed = parser.parse(presented.value());
        if (parsed instanceof KeyRejection rejection) {
            fail(AuthOutcome.MALFORMED, address);
            rejections.get(rejection).increment();
            return failures.invalid(exchange);
        }
        ParsedApiKey key = (ParsedApiKey) parsed;
        // a cache hit (or a known-unknown id) is decided at once, with no reactive plumbing
        Verification cached;
        try {
            cached = verifier.verifyCached(key);
        } catch (RuntimeException ex) {
            cached = Verification.failed(AuthOutcome.UNAVAILABLE);
        }
        if (cached != null) {
            return proceed(exchange, chain, requirements, cached, address);
        }
        return verifier.verify(key)
                .onErrorResume(error -> Mono.just(Verification.failed(AuthOutcome.UNAVAILABLE)))
                .flatMap(
                        verification ->
                                proceed(exchange, chain, requirements, verification, address));
    }

    private Mono<Void> proceed(
            ServerWebExchange exchange,
            GatewayFilterChain chain,
            RouteRequirements requirements,
            Verification verification,
            String address) {
        if (verification.outcome() == AuthOutcome.UNAVAILABLE) {
            count(AuthOutcome.UNAVAILABLE);
            return failures.unavailable(exchange);
        }
        if (!verification.isValid()) {
            fail(verification.outcome(), address);
            return failures.invalid(exchange);
        }
        KeyRecord record = verification.record();
        if (!authorizer.isAllowed(record, requirements)) {
            count(AuthOutcome.FORBIDDEN);
            return failures.forbidden(exchange, requirements.scopes());
        }
        count(AuthOutcome.VALID);
        if (verification.previousSecret()) {
            announceDeprecation(exchange, record);
        }
        return chain.filter(forward(exchange, record));
    }

    /**
     * The exchange to pass on: its request without the credential (unless configured otherwise) and
     * with the identity headers, which replace anything the client sent under those names. The
     * headers are an overlay on the request's own ({@link HeaderOverlay}), not a copy.
     */
    private ServerWebExchange forward(ServerWebExchange exchange, KeyRecord record) {
        ServerHttpRequest request = exchange.getRequest();
        @SuppressWarnings("unchecked")
        List<String>[] values = new List[forwardedNames.length];
        values[0] = List.of(record.id());
        values[1] = List.of(record.owner());
        values[2] = List.of(record.joinedScopes());
        values[3] = List.of(record.joinedOrganizations());
        // the other credential headers stay null: removed
        if (authorizationIndex >= 0) {
            values[authorizationIndex] = converter.otherAuthorizations(request.getHeaders());
        }
        if (stripCredentials) {
            request = converter.stripQueryParameters(request);
        }
        ServerHttpRequest forwarded = HeaderOverlay.forward(request, forwardedNames, values);
        return exchange.mutate().request(forwarded).build();
    }

    /**
     * On public routes: the exchange unchanged, or, when the client sent any identity header, with
     * those removed so they cannot be spoofed.
     */
    private ServerWebExchange withoutIdentityHeaders(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        HttpHeaders headers = request.getHeaders();
        for (String name : identityNames) {
            if (headers.containsHeader(name)) {
                @SuppressWarnings("unchecked")
                List<String>[] removed = new List[identityNames.length];
                return exchange.mutate()
                        .request(HeaderOverlay.forward(request, identityNames, removed))
                        .build();
            }
        }
        return exchange;
    }

    private static void announceDeprecation(ServerWebExchange exchange, KeyRecord record) {
        String deprecation = "@" + record.rotatedAt().getEpochSecond();
        String sunset = HTTP_DATE.format(record.previousSecretExpiresAt());
        exchange.getResponse()
                .beforeCommit(
                        () -> {
                            HttpHeaders headers = exchange.getResponse().getHeaders();
                            headers.set("Deprecation", deprecation);
                            headers.set("Sunset", sunset);
                            return Mono.empty();
                        });
    }

    private static boolean isPreflight(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        return HttpMethod.OPTIONS.equals(request.getMethod())
                && headers.containsHeader(HttpHeaders.ORIGIN)
                && headers.containsHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    }

    private void count(AuthOutcome outcome) {
        outcomes.get(outcome).increment();
    }

    /** Counts a failed attempt, and charges it to the client's address when throttling is on. */
    private void fail(AuthOutcome outcome, String address) {
        count(outcome);
        if (address != null) {
            throttle.recordFailure(address);
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationFilter[order=" + ORDER + ", " + converter + "]";
    }
}
