package dev.keygate.gateway.authentication;

import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.KeyRejection;
import dev.keygate.core.key.ParseResult;
import dev.keygate.core.key.ParsedApiKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
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
 *   <li>{@link ApiKeyParser}: is it well formed? offline, no I/O (no: 401)
 *   <li>{@link ApiKeyVerifier}: is it a valid key? cache, then Redis (no: 401; store down: 503)
 *   <li>{@link ApiKeyAuthorizer}: may it use this route? (no: 403)
 *   <li>{@link ApiKeyFailureHandler}: writes every refusal
 * </ol>
 *
 * <p>{@link FailedAuthenticationThrottle} (optional) counts failed attempts per client address.
 * Once an address is over its limit, its failed attempts get 429 instead of 400/401, and key ids
 * that are not in the cache are looked up in Redis only at a small rate ({@link
 * FailedAuthenticationThrottle#tryLookup}): 429 beyond it. A valid key is never refused because of
 * other requests' failures: a key in the cache is verified as usual, and an uncached one still gets
 * its lookup within that rate. Guessing secrets is not the threat (178 random bits); the throttle
 * keeps a flood of well-formed made-up ids from turning into a flood of Redis reads.
 *
 * <p>On success the verified record is put in the exchange attribute {@link
 * #VERIFIED_KEY_ATTRIBUTE}; {@link UpstreamHeadersFilter} turns it into the identity headers of the
 * upstream request and removes the credential and any spoofed identity header there, on every
 * route. Credential query parameters (when configured) are removed here, on every route. A request
 * authenticated with a previous secret during its rotation grace gets {@code Deprecation} and
 * {@code Sunset} response headers.
 *
 * <p>Fails closed: any error on the way, including a store error, becomes a 503, never a
 * pass-through. Thread-safe; never blocks.
 */
public final class ApiKeyAuthenticationFilter implements GlobalFilter, Ordered {

    /** Runs before route filters (which start at 1) and before Spring Cloud Gateway's own. */
    public static final int ORDER = -200;

    /**
     * The exchange attribute that holds the verified {@link KeyRecord} of an authenticated request:
     * what the upstream's identity headers are made of, and what later filters of the same gateway
     * (or a {@code forward:} route's handler) may read.
     */
    public static final String VERIFIED_KEY_ATTRIBUTE =
            ApiKeyAuthenticationFilter.class.getName() + ".verifiedKey";

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final ApiKeyCredentialConverter converter;
    private final ApiKeyParser parser;
    private final ApiKeyVerifier verifier;
    private final ApiKeyAuthorizer authorizer;
    private final ApiKeyFailureHandler failures;
    private final boolean stripCredentials;
    private final boolean corsPreflightPublic;
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
            boolean stripCredentials,
            boolean corsPreflightPublic,
            MeterRegistry registry) {
        this.converter = converter;
        this.parser = parser;
        this.verifier = verifier;
        this.authorizer = authorizer;
        this.failures = failures;
        this.stripCredentials = stripCredentials;
        this.corsPreflightPublic = corsPreflightPublic;
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
        if (requirements.isPublic()
                || (corsPreflightPublic && PreflightForwardingWebFilter.isForwarded(exchange))) {
            // no key needed; the credential, if any, still never reaches the upstream
            return chain.filter(withoutCredentialParameters(exchange));
        }
        CredentialExtraction extraction = converter.extract(request);
        if (extraction == CredentialExtraction.MISSING) {
            count(AuthOutcome.MISSING);
            return failures.missing(exchange);
        }
        String address = throttle == null ? null : addresses.resolve(request);
        boolean limited = address != null && !throttle.retryAfter(address).isZero();
        if (!(extraction instanceof CredentialExtraction.Presented presented)) {
            return fail(exchange, AuthOutcome.AMBIGUOUS, address, limited);
        }
        ParseResult parsed = parser.parse(presented.value());
        if (parsed instanceof KeyRejection rejection) {
            rejections.get(rejection).increment();
            return fail(exchange, AuthOutcome.MALFORMED, address, limited);
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
            return proceed(exchange, chain, requirements, cached, address, limited, false);
        }
        if (limited && !throttle.wasVerified(key.id()) && !throttle.tryLookup(address)) {
            // over the limit: made-up ids do not get to cost Redis a read each
            count(AuthOutcome.THROTTLED);
            return failures.throttled(exchange, throttle.retryAfterLookup());
        }
        return verifier.verify(key)
                .onErrorResume(error -> Mono.just(Verification.failed(AuthOutcome.UNAVAILABLE)))
                .flatMap(
                        verification ->
                                proceed(
                                        exchange,
                                        chain,
                                        requirements,
                                        verification,
                                        address,
                                        limited,
                                        true));
    }

    private Mono<Void> proceed(
            ServerWebExchange exchange,
            GatewayFilterChain chain,
            RouteRequirements requirements,
            Verification verification,
            String address,
            boolean limited,
            boolean fromStore) {
        if (verification.outcome() == AuthOutcome.UNAVAILABLE) {
            count(AuthOutcome.UNAVAILABLE);
            return failures.unavailable(exchange);
        }
        if (!verification.isValid()) {
            return fail(exchange, verification.outcome(), address, limited);
        }
        KeyRecord record = verification.record();
        if (!authorizer.isAllowed(record, requirements)) {
            count(AuthOutcome.FORBIDDEN);
            return failures.forbidden(exchange, requirements.scopes());
        }
        count(AuthOutcome.VALID);
        if (fromStore && throttle != null) {
            throttle.recordVerified(record.id());
        }
        if (verification.previousSecret()) {
            announceDeprecation(exchange, record);
        }
        exchange.getAttributes().put(VERIFIED_KEY_ATTRIBUTE, record);
        return chain.filter(withoutCredentialParameters(exchange));
    }

    /**
     * The exchange without credential query parameters (when they are configured and stripped): the
     * same exchange in the usual case, at no cost. Headers are {@link UpstreamHeadersFilter}'s job.
     */
    private ServerWebExchange withoutCredentialParameters(ServerWebExchange exchange) {
        if (!stripCredentials) {
            return exchange;
        }
        ServerHttpRequest request = exchange.getRequest();
        ServerHttpRequest stripped = converter.stripQueryParameters(request);
        return stripped == request ? exchange : exchange.mutate().request(stripped).build();
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

    private void count(AuthOutcome outcome) {
        outcomes.get(outcome).increment();
    }

    /**
     * Counts a failed attempt, charges it to the client's address when throttling is on, and
     * refuses it: 429 when the address is over its limit, else the failure's own answer.
     */
    private Mono<Void> fail(
            ServerWebExchange exchange, AuthOutcome outcome, String address, boolean limited) {
        if (address != null) {
            throttle.recordFailure(address);
        }
        if (limited) {
            count(AuthOutcome.THROTTLED);
            return failures.throttled(exchange, throttle.retryAfter(address));
        }
        count(outcome);
        return outcome == AuthOutcome.AMBIGUOUS
                ? failures.ambiguous(exchange)
                : failures.invalid(exchange);
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
