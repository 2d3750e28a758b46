package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.gateway.authentication.AuthenticationResult.Authenticated;
import dev.keygate.gateway.limits.LimitOutcome;
import dev.keygate.gateway.limits.UsageLimiter;
import dev.keygate.gateway.usage.UsageRecorder;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;

/**
 * Authenticates every request on every route, unless the route is marked public (see {@link
 * RouteRequirements}) or the request is a CORS preflight that {@link PreflightForwardingWebFilter}
 * lets through. The filter only wires the replaceable parts, each a bean with one job, the way
 * Spring Security's {@code AuthenticationWebFilter} does:
 *
 * <ol>
 *   <li>{@link ApiKeyCredentialResolver}: where is the key? (none: 401, two different: 400)
 *   <li>{@link AuthenticationThrottle}: has this client failed too often? (then its failures get
 *       429, and its uncached ids are looked up at a bounded rate)
 *   <li>{@link ApiKeyAuthenticator}: is it a valid key? parse offline, cache, then Redis (no: 401;
 *       store down: 503)
 *   <li>{@link ApiKeyAuthorizer}: may it use this route? (no: 403)
 *   <li>{@link UsageLimiter}: is it within its rate limits and quotas? (no: 429; answers carry the
 *       {@code RateLimit} and {@code RateLimit-Policy} fields when limits apply)
 *   <li>{@link ApiKeyFailureHandler}: writes every refusal, {@code refuse(exchange, Refusal)}
 *   <li>{@link UsageRecorder}: told of every forwarded request (which secret, which scopes the
 *       route required); it coalesces in memory and never blocks
 * </ol>
 *
 * <p>Route requirements were read when routes loaded ({@link RouteRequirementsValidation}); the
 * route itself was chosen before this filter, by Spring Cloud Gateway's {@code
 * RoutePredicateHandlerMapping}. On success the verified record is put in the exchange attribute
 * {@link #VERIFIED_KEY_ATTRIBUTE}, and the chain goes on to the route's filters and finally to
 * SCG's {@code NettyRoutingFilter}, which calls the upstream; {@link UpstreamHeadersFilter} (an
 * {@code HttpHeadersFilter} run there) turns the record into the identity headers and hides the
 * credential and any spoofed identity header, on every route. Credential query parameters (when
 * configured) are removed here, on every route. A request authenticated with a previous secret
 * during its rotation grace gets {@code Deprecation} and {@code Sunset} response headers.
 *
 * <p>Metrics: {@code keygate.auth} by outcome ({@code valid} or the refusal's reason), {@code
 * keygate.auth.errors} by cause (see {@link RequestPathErrors}).
 *
 * <p>Fails closed: any error on the way, a store error or an exception thrown by a part, becomes a
 * 503, never a pass-through; errors are counted by cause and logged (rate-limited). Only if the
 * failure handler itself throws does the error go on to Spring's error handling (a 500).
 * Thread-safe; never blocks.
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

    /**
     * The exchange attribute that holds the {@link KeyRecord} of a key that authenticated, set as
     * soon as it has, so also on a request then refused because the key may not use the route (403)
     * or is over a limit (429): who made the request, for the access log. Not a sign that the
     * request was allowed (that is {@link #VERIFIED_KEY_ATTRIBUTE}); never the presented key.
     */
    public static final String IDENTIFIED_KEY_ATTRIBUTE =
            ApiKeyAuthenticationFilter.class.getName() + ".identifiedKey";

    /**
     * The exchange attribute that holds the {@link Refusal} a request was answered with, set just
     * before the failure handler writes it, by this filter and by the request firewall: why it was
     * refused, for the access log.
     */
    public static final String REFUSAL_ATTRIBUTE =
            ApiKeyAuthenticationFilter.class.getName() + ".refusal";

    /**
     * The tag of the request's span (the server observation's high-cardinality key value) that
     * names the key that authenticated: its id, never the key.
     */
    public static final String SPAN_KEY_ID = "keygate.key.id";

    /** The tag of the request's span that holds a refusal's reason ({@code Refusal.Reason}). */
    public static final String SPAN_REFUSAL = "keygate.refusal";

    /** The draft-ietf-httpapi-ratelimit-headers field of the limits that apply. */
    public static final String RATE_LIMIT_POLICY = "RateLimit-Policy";

    /** The draft-ietf-httpapi-ratelimit-headers field of what remains of them. */
    public static final String RATE_LIMIT = "RateLimit";

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    /** What a limiter that broke its contract (an error, no outcome) gets: a 503. */
    private static final LimitOutcome LIMITER_FAILED =
            new LimitOutcome(Refusal.of(Refusal.Reason.LIMITS_UNAVAILABLE), null, null);

    private static final Mono<AuthenticationResult> UNAVAILABLE =
            Mono.just(Refusal.of(Refusal.Reason.UNAVAILABLE));

    private final ApiKeyCredentialResolver credentials;
    private final ApiKeyAuthenticator authenticator;
    private final ApiKeyAuthorizer authorizer;
    private final ApiKeyFailureHandler failures;
    private final AuthenticationThrottle throttle;
    private final UsageLimiter limiter;
    private final UsageRecorder usage;
    private final RouteRequirementsCache requirements = new RouteRequirementsCache();
    private final RequestPathErrors errors;
    private final Counter valid;
    private final Map<Refusal.Reason, Counter> refused = new EnumMap<>(Refusal.Reason.class);

    /** A filter that records no usage ({@link UsageRecorder#NONE}). */
    public ApiKeyAuthenticationFilter(
            ApiKeyCredentialResolver credentials,
            ApiKeyAuthenticator authenticator,
            ApiKeyAuthorizer authorizer,
            ApiKeyFailureHandler failures,
            AuthenticationThrottle throttle,
            UsageLimiter limiter,
            MeterRegistry registry) {
        this(
                credentials,
                authenticator,
                authorizer,
                failures,
                throttle,
                limiter,
                UsageRecorder.NONE,
                registry);
    }

    public ApiKeyAuthenticationFilter(
            ApiKeyCredentialResolver credentials,
            ApiKeyAuthenticator authenticator,
            ApiKeyAuthorizer authorizer,
            ApiKeyFailureHandler failures,
            AuthenticationThrottle throttle,
            UsageLimiter limiter,
            UsageRecorder usage,
            MeterRegistry registry) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.errors = new RequestPathErrors(registry, System::nanoTime);
        this.valid = outcomeCounter(registry, "valid");
        for (Refusal.Reason reason : Refusal.Reason.values()) {
            if (reason.isAuthenticationOutcome()) {
                refused.put(reason, outcomeCounter(registry, reason.code()));
            }
        }
    }

    private static Counter outcomeCounter(MeterRegistry registry, String outcome) {
        return Counter.builder("keygate.auth")
                .description("API-key authentication attempts by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    /**
     * Decides, then forwards or refuses. Any exception a part throws (a bug: the parts' contracts
     * say errors are signals) is a counted 503 here, never a pass-through; errors signalled after
     * the request went on down the chain (the upstream call) are not Keygate's and pass through.
     */
    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        try {
            return authenticate(exchange, chain);
        } catch (RuntimeException ex) {
            return unavailable(exchange, ex);
        }
    }

    private Mono<Void> authenticate(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        RouteRequirements required = requirements.of(route);
        if (required.isPublic() || PreflightForwardingWebFilter.isForwarded(exchange)) {
            // no key needed; the credential, if any, still never reaches the upstream
            return chain.filter(withoutCredentials(exchange));
        }
        CredentialExtraction extraction = credentials.resolve(exchange.getRequest());
        if (extraction == CredentialExtraction.MISSING) {
            return refuse(exchange, Refusal.of(Refusal.Reason.MISSING));
        }
        String client = throttle.client(exchange);
        boolean limited = !throttle.retryAfter(client).isZero();
        if (!(extraction instanceof CredentialExtraction.Presented presented)) {
            return fail(exchange, Refusal.Reason.AMBIGUOUS, client, limited);
        }
        Mono<AuthenticationResult> result =
                authenticator.authenticate(
                        presented.value(),
                        limited
                                ? id -> throttle.tryLookup(client, id)
                                : ApiKeyAuthenticator.LookupPermit.ALWAYS);
        if (result == null) {
            return unavailable(exchange, noResult());
        }
        if (result instanceof Fuseable.ScalarCallable<?> decided) {
            // Decided without I/O (a cache hit, a known-unknown id, a malformed key): answered at
            // once, as Reactor's own operators do at assembly time. The operator chain below costs
            // about 270 B more per request (measured with JMH, docs/benchmarks.md).
            AuthenticationResult now;
            try {
                now = (AuthenticationResult) decided.call();
            } catch (Exception ex) {
                // Mono.error's call() wraps a checked cause: count what was signalled
                errors.record(Exceptions.unwrap(ex), exchange);
                now = Refusal.of(Refusal.Reason.UNAVAILABLE);
            }
            return now == null
                    ? unavailable(exchange, noResult())
                    : proceed(exchange, chain, route, required, now, client, limited);
        }
        return result.switchIfEmpty(Mono.error(this::noResult))
                .onErrorResume(
                        error -> {
                            errors.record(error, exchange);
                            return UNAVAILABLE;
                        })
                .flatMap(
                        decided -> {
                            try {
                                return proceed(
                                        exchange, chain, route, required, decided, client, limited);
                            } catch (RuntimeException ex) {
                                return unavailable(exchange, ex);
                            }
                        });
    }

    private Mono<Void> proceed(
            ServerWebExchange exchange,
            GatewayFilterChain chain,
            Route route,
            RouteRequirements required,
            AuthenticationResult result,
            String client,
            boolean limited) {
        if (!(result instanceof Authenticated authenticated)) {
            Refusal refusal = (Refusal) result;
            return switch (refusal.reason()) {
                case UNAVAILABLE -> refuse(exchange, refusal);
                // over the limit: made-up ids do not get to cost Redis a read each
                case THROTTLED -> refuse(exchange, Refusal.throttled(throttle.retryAfterLookup()));
                default -> fail(exchange, refusal.reason(), client, limited);
            };
        }
        KeyRecord record = authenticated.record();
        exchange.getAttributes().put(IDENTIFIED_KEY_ATTRIBUTE, record);
        tagObservation(exchange, SPAN_KEY_ID, record.id());
        if (!authorizer.isAllowed(record, required)) {
            return refuse(exchange, Refusal.forbidden(required.scopes()));
        }
        valid.increment();
        if (authenticated.fromStore()) {
            throttle.recordVerified(record.id());
        }
        if (authenticated.previousSecret()) {
            announceDeprecation(exchange, record);
        }
        Mono<LimitOutcome> limits =
                limiter.limit(record, required, route == null ? null : route.getId());
        if (limits instanceof Fuseable.ScalarCallable<?> scalar) {
            // no limit applies (the usual case): answered at once, as for the authenticator
            LimitOutcome outcome;
            try {
                outcome = (LimitOutcome) scalar.call();
            } catch (Exception ex) {
                errors.record(Exceptions.unwrap(ex), exchange);
                outcome = LIMITER_FAILED;
            }
            return within(exchange, chain, authenticated, required, outcome);
        }
        // the limiter's contract: no errors, no empty result; a breach is a bug, answered 503
        return limits.switchIfEmpty(Mono.error(this::noOutcome))
                .onErrorResume(
                        error -> {
                            errors.record(error, exchange);
                            return Mono.just(LIMITER_FAILED);
                        })
                .flatMap(outcome -> within(exchange, chain, authenticated, required, outcome));
    }

    private IllegalStateException noOutcome() {
        return new IllegalStateException(limiter + " completed without an outcome");
    }

    /** Forwards a request its limits allow, with their header fields; refuses one they do not. */
    private Mono<Void> within(
            ServerWebExchange exchange,
            GatewayFilterChain chain,
            Authenticated authenticated,
            RouteRequirements required,
            LimitOutcome outcome) {
        if (outcome == null) {
            return unavailable(exchange, noOutcome());
        }
        if (outcome.policy() != null) {
            String policy = outcome.policy();
            String state = outcome.state();
            if (outcome.allowed()) {
                // set as the response commits: replaces any the upstream sent (SCG adds the
                // upstream's headers to the response, so two lists would merge)
                exchange.getResponse()
                        .beforeCommit(
                                () -> {
                                    HttpHeaders headers = exchange.getResponse().getHeaders();
                                    headers.set(RATE_LIMIT_POLICY, policy);
                                    headers.set(RATE_LIMIT, state);
                                    return Mono.empty();
                                });
            } else {
                HttpHeaders headers = exchange.getResponse().getHeaders();
                headers.set(RATE_LIMIT_POLICY, policy);
                headers.set(RATE_LIMIT, state);
            }
        }
        if (!outcome.allowed()) {
            return refuse(exchange, outcome.refusal());
        }
        KeyRecord record = authenticated.record();
        exchange.getAttributes().put(VERIFIED_KEY_ATTRIBUTE, record);
        try {
            usage.record(record, authenticated.previousSecret(), required.scopes());
        } catch (RuntimeException ex) {
            // a recorder bug: usage is best effort, the request goes on
            errors.record(ex, exchange);
        }
        return chain.filter(withoutCredentials(exchange));
    }

    /**
     * The exchange without credential query parameters (when they are configured and stripped): the
     * same exchange in the usual case, at no cost. Headers are {@link UpstreamHeadersFilter}'s job.
     */
    private ServerWebExchange withoutCredentials(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        ServerHttpRequest stripped = credentials.withoutCredentials(request);
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

    /**
     * A failed attempt: charged to the client, and refused with 429 when the client is over its
     * limit, else with the failure's own answer.
     */
    private Mono<Void> fail(
            ServerWebExchange exchange, Refusal.Reason reason, String client, boolean limited) {
        throttle.recordFailure(client);
        return refuse(
                exchange,
                limited ? Refusal.throttled(throttle.retryAfter(client)) : Refusal.of(reason));
    }

    /**
     * An authenticator that completes without a result breaks its contract: a bug, answered 503.
     */
    private IllegalStateException noResult() {
        return new IllegalStateException(authenticator + " completed without a result");
    }

    private Mono<Void> unavailable(ServerWebExchange exchange, RuntimeException error) {
        errors.record(error, exchange);
        return refuse(exchange, Refusal.of(Refusal.Reason.UNAVAILABLE));
    }

    /**
     * Counts the refusal by its reason, records it ({@link #REFUSAL_ATTRIBUTE}) and has the failure
     * handler answer it.
     */
    private Mono<Void> refuse(ServerWebExchange exchange, Refusal refusal) {
        Counter counter = refused.get(refusal.reason());
        if (counter != null) {
            counter.increment();
        }
        exchange.getAttributes().put(REFUSAL_ATTRIBUTE, refusal);
        tagObservation(exchange, SPAN_REFUSAL, refusal.reason().code());
        return failures.refuse(exchange, refusal);
    }

    /**
     * Adds a high-cardinality key value to the request's server observation (WebFlux's {@code
     * http.server.requests}): with a tracer, a tag of the request's span; never a metric tag (only
     * low-cardinality values become those). Nothing when the request is not observed.
     */
    private static void tagObservation(ServerWebExchange exchange, String key, String value) {
        ServerRequestObservationContext context =
                ServerRequestObservationContext.findCurrent(exchange.getAttributes()).orElse(null);
        if (context != null) {
            context.addHighCardinalityKeyValue(KeyValue.of(key, value));
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationFilter[order=" + ORDER + ", " + credentials + "]";
    }
}
