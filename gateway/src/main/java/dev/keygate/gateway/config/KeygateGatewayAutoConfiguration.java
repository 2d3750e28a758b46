package dev.keygate.gateway.config;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.node.RedisGatewayRegistry;
import dev.keygate.core.store.KeyStore;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.UsageProperties;
import dev.keygate.gateway.accesslog.AccessLogWebFilter;
import dev.keygate.gateway.accesslog.AccessLogWriter;
import dev.keygate.gateway.actuate.KeygateEndpoint;
import dev.keygate.gateway.actuate.KeygateHealthIndicator;
import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.authentication.ApiKeyAuthenticator;
import dev.keygate.gateway.authentication.ApiKeyAuthorizer;
import dev.keygate.gateway.authentication.ApiKeyCredentialConverter;
import dev.keygate.gateway.authentication.ApiKeyCredentialResolver;
import dev.keygate.gateway.authentication.ApiKeyFailureHandler;
import dev.keygate.gateway.authentication.AuthenticationThrottle;
import dev.keygate.gateway.authentication.CachingApiKeyAuthenticator;
import dev.keygate.gateway.authentication.ClientAddressResolver;
import dev.keygate.gateway.authentication.FailedAuthenticationThrottle;
import dev.keygate.gateway.authentication.PreflightForwardingWebFilter;
import dev.keygate.gateway.authentication.ProblemJsonFailureHandler;
import dev.keygate.gateway.authentication.RouteRequirementsValidation;
import dev.keygate.gateway.authentication.UpstreamHeadersFilter;
import dev.keygate.gateway.cache.AppliedEpochListener;
import dev.keygate.gateway.cache.InvalidationTracker;
import dev.keygate.gateway.cache.KeyCache;
import dev.keygate.gateway.cache.RedisInvalidationSubscriber;
import dev.keygate.gateway.firewall.RequestFirewallWebFilter;
import dev.keygate.gateway.limits.UsageLimiter;
import dev.keygate.gateway.limits.UsageLimiters;
import dev.keygate.gateway.node.GatewayNodeReporter;
import dev.keygate.gateway.usage.CoalescingUsageRecorder;
import dev.keygate.gateway.usage.UsageRecorder;
import io.lettuce.core.ReadFrom;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;

/**
 * Installs Keygate in any Spring Cloud Gateway (server-webflux) application that has the {@code
 * keygate-gateway} dependency and a Lettuce {@link ReactiveRedisConnectionFactory} (Spring Boot's
 * {@code spring.data.redis.*}). Every bean backs off when the application defines its own, so each
 * part of the request path can be replaced on its own: {@link ApiKeyCredentialResolver}, {@link
 * ApiKeyAuthenticator}, {@link ApiKeyAuthorizer}, {@link ApiKeyFailureHandler}, {@link
 * AuthenticationThrottle} and SCG's {@link RemoteAddressResolver} (the bean named {@value
 * #ADDRESS_RESOLVER_BEAN}). Turn it off with {@code keygate.gateway.enabled=false}. Keygate adds no
 * bare {@code Clock} or {@code Ticker} bean; it reads a {@code Clock} bean named {@value
 * #CLOCK_BEAN} and a {@code Ticker} bean named {@value #TICKER_BEAN} when there are (tests move
 * time with them).
 *
 * <p>Fails closed: with the filter on the classpath but no Redis connection factory, the
 * application does not start rather than run unprotected.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnProperty(
        prefix = "keygate.gateway",
        name = "enabled",
        havingValue = "true",
        matchIfMissing = true)
@EnableConfigurationProperties({KeygateGatewayProperties.class, UsageProperties.class})
public class KeygateGatewayAutoConfiguration {

    /**
     * The clock Keygate reads: a {@code Clock} bean named {@value #CLOCK_BEAN} if there is one
     * (tests register one to move time), else the system UTC clock. Not a bean of its own: a bare
     * {@code Clock} bean would collide with the application's.
     */
    static final String CLOCK_BEAN = "keygateClock";

    /** The same for the Caffeine {@code Ticker} of the caches and the throttle. */
    static final String TICKER_BEAN = "keygateTicker";

    /** The name of the limit script's clock shift, a {@code LongSupplier} (tests only). */
    static final String LIMITS_TIME_SHIFT_BEAN = "keygateLimitsTimeShift";

    /** The name of the throttle's {@code RemoteAddressResolver} bean. */
    static final String ADDRESS_RESOLVER_BEAN = "keygateRemoteAddressResolver";

    private static Clock clock(ObjectProvider<Clock> clock) {
        return clock.getIfAvailable(Clock::systemUTC);
    }

    private static Ticker ticker(ObjectProvider<Ticker> ticker) {
        return ticker.getIfAvailable(Ticker::systemTicker);
    }

    /**
     * The application's meter registry; without one (no Actuator), a registry of Keygate's own that
     * nothing reads, so the parts need no "metrics off" branch.
     */
    private static MeterRegistry meters(ObjectProvider<MeterRegistry> registry) {
        return registry.getIfAvailable(SimpleMeterRegistry::new);
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyParser keygateApiKeyParser(KeygateGatewayProperties properties) {
        return new ApiKeyParser(ApiKeyFormat.withPrefix(properties.keyPrefix()));
    }

    @Bean
    @ConditionalOnMissingBean
    KeyStore keygateKeyStore(
            ReactiveRedisConnectionFactory connectionFactory,
            KeygateGatewayProperties properties,
            @Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock) {
        refuseReplicaReads(connectionFactory);
        return new RedisKeyStore(
                new ReactiveStringRedisTemplate(connectionFactory),
                new RedisKeyspace(properties.redisNamespace()),
                new ApiKeyGenerator(
                        ApiKeyFormat.withPrefix(properties.keyPrefix()), new SecureRandom()),
                clock(clock));
    }

    @Bean
    @ConditionalOnMissingBean
    KeyCache keygateKeyCache(
            KeyStore store,
            KeygateGatewayProperties properties,
            @Qualifier(TICKER_BEAN) ObjectProvider<Ticker> ticker,
            ObjectProvider<MeterRegistry> registry,
            ObjectProvider<InvalidationTracker> tracker) {
        KeygateGatewayProperties.Cache cache = properties.cache();
        return new KeyCache(
                store,
                () -> tracker.getObject().isTrusted(),
                cache.maximumSize(),
                cache.maxAge(),
                cache.negativeMaximumSize(),
                cache.negativeTtl(),
                properties.invalidation().commandTimeout(),
                ticker(ticker),
                meters(registry));
    }

    @Bean
    @ConditionalOnMissingBean
    InvalidationTracker keygateInvalidationTracker(
            KeyCache cache,
            KeygateGatewayProperties properties,
            @Qualifier(TICKER_BEAN) ObjectProvider<Ticker> ticker,
            ObjectProvider<MeterRegistry> registry,
            ObjectProvider<AppliedEpochListener> listener) {
        return new InvalidationTracker(
                cache,
                ticker(ticker),
                properties.invalidation().maxStaleness(),
                meters(registry),
                listener.getIfUnique(() -> AppliedEpochListener.NONE));
    }

    /**
     * This gateway in the node registry, told by the tracker when its applied epoch moves. Reads
     * the tracker and the cache lazily (they are made after it: the tracker takes it as its
     * listener).
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(LettuceConnectionFactory.class)
    @ConditionalOnProperty(
            prefix = "keygate.gateway.node",
            name = "enabled",
            havingValue = "true",
            matchIfMissing = true)
    GatewayNodeReporter keygateGatewayNodeReporter(
            LettuceConnectionFactory connectionFactory,
            KeygateGatewayProperties properties,
            ObjectProvider<InvalidationTracker> tracker,
            ObjectProvider<KeyCache> cache,
            @Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock) {
        String id = nodeId(properties);
        return new GatewayNodeReporter(
                new RedisGatewayRegistry(
                        new ReactiveStringRedisTemplate(connectionFactory),
                        new RedisKeyspace(properties.redisNamespace())),
                () -> {
                    InvalidationTracker invalidations = tracker.getObject();
                    KeyCache keys = cache.getObject();
                    return new GatewayNodeReporter.Status(
                            invalidations.appliedEpoch(),
                            invalidations.sinceConfirmed(),
                            keys.size(),
                            keys.hitRatio());
                },
                id,
                host(),
                version(),
                clock(clock),
                properties.node().ttl(),
                properties.invalidation().commandTimeout());
    }

    /** The gateway's version: its jar's {@code Implementation-Version}, else {@code dev}. */
    private static String version() {
        String version = ApiKeyAuthenticationFilter.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(LettuceConnectionFactory.class)
    RedisInvalidationSubscriber keygateInvalidationSubscriber(
            LettuceConnectionFactory connectionFactory,
            KeyStore store,
            InvalidationTracker tracker,
            KeygateGatewayProperties properties,
            @Qualifier(TICKER_BEAN) ObjectProvider<Ticker> ticker) {
        KeygateGatewayProperties.Invalidation invalidation = properties.invalidation();
        return new RedisInvalidationSubscriber(
                connectionFactory::getNativeClient,
                new RedisKeyspace(properties.redisNamespace()).channel(),
                store,
                tracker,
                ticker(ticker),
                invalidation.pollInterval(),
                invalidation.messageGrace(),
                invalidation.commandTimeout());
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyAuthenticator keygateApiKeyAuthenticator(
            ApiKeyParser parser,
            KeyCache cache,
            @Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock,
            ObjectProvider<MeterRegistry> registry) {
        return new CachingApiKeyAuthenticator(parser, cache, clock(clock), meters(registry));
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyAuthorizer keygateApiKeyAuthorizer() {
        return ApiKeyAuthorizer.scopesAndOrganizations();
    }

    /**
     * Where the throttle's client address comes from: SCG's extension point, by name ({@value
     * #ADDRESS_RESOLVER_BEAN}), so that a resolver the application has for its own routes (a {@code
     * RemoteAddr} predicate) is not taken for the throttle's, and one of its own replaces this.
     */
    @Bean(ADDRESS_RESOLVER_BEAN)
    @ConditionalOnMissingBean(name = ADDRESS_RESOLVER_BEAN)
    RemoteAddressResolver keygateRemoteAddressResolver(KeygateGatewayProperties properties) {
        return new ClientAddressResolver(properties.throttle().trustedProxies());
    }

    @Bean
    @ConditionalOnMissingBean
    AuthenticationThrottle keygateAuthenticationThrottle(
            KeygateGatewayProperties properties,
            @Qualifier(ADDRESS_RESOLVER_BEAN) RemoteAddressResolver addresses,
            @Qualifier(TICKER_BEAN) ObjectProvider<Ticker> ticker) {
        KeygateGatewayProperties.Throttle throttle = properties.throttle();
        if (!throttle.enabled()) {
            return AuthenticationThrottle.NONE;
        }
        return new FailedAuthenticationThrottle(
                throttle.maxFailuresPerMinute(),
                throttle.lookupsPerSecond(),
                throttle.maximumAddresses(),
                addresses,
                ticker(ticker));
    }

    /** Reads every route's Keygate metadata when routes load; see the class. */
    @Bean
    static RouteRequirementsValidation keygateRouteRequirementsValidation() {
        return new RouteRequirementsValidation();
    }

    /**
     * Refuses to start when the key store would read from replicas: a read right after an
     * invalidation could hit a replica that has not applied the change yet and cache the revoked
     * record for the whole max-age, past the max-staleness bound. Replica reads are a Lettuce
     * setting of the connection factory ({@code spring.data.redis.lettuce.read-from}, or a
     * customizer), so the factory itself is asked.
     */
    static void refuseReplicaReads(ReactiveRedisConnectionFactory connectionFactory) {
        if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
            lettuce.getClientConfiguration()
                    .getReadFrom()
                    .filter(
                            readFrom ->
                                    readFrom != ReadFrom.UPSTREAM && readFrom != ReadFrom.MASTER)
                    .ifPresent(
                            readFrom -> {
                                throw new IllegalStateException(
                                        "Keygate reads keys from the Redis master only, but the"
                                                + " Redis connection reads from "
                                                + readFrom.getClass()
                                                        .getSimpleName()
                                                        .replaceFirst("^ReadFrom", "")
                                                + " (spring.data.redis.lettuce.read-from). A"
                                                + " replica that has not applied a revocation yet"
                                                + " would let the revoked key be cached for the"
                                                + " whole cache max-age. Remove that setting, or"
                                                + " set it to 'upstream'.");
                            });
        }
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyCredentialResolver keygateApiKeyCredentialResolver(KeygateGatewayProperties properties) {
        return credentialConverter(properties);
    }

    /** The converter of the configured credential places: also what the upstream must not see. */
    private static ApiKeyCredentialConverter credentialConverter(
            KeygateGatewayProperties properties) {
        KeygateGatewayProperties.Credentials credentials = properties.credentials();
        return new ApiKeyCredentialConverter(
                credentials.authorizationSchemes(),
                credentials.headers(),
                credentials.queryParameters(),
                credentials.strip());
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyFailureHandler keygateApiKeyFailureHandler(KeygateGatewayProperties properties) {
        return new ProblemJsonFailureHandler(
                properties.credentials().authorizationSchemes(),
                properties.realm(),
                properties.retryAfter());
    }

    /**
     * Hides the credential from the upstream: the places the application's own {@link
     * ApiKeyCredentialConverter} reads when it defines one, else the configured places ({@code
     * keygate.gateway.credentials.*}), which a resolver of another kind must keep to (its other
     * places are its own to strip, see {@link ApiKeyCredentialResolver}).
     */
    @Bean
    @ConditionalOnMissingBean
    UpstreamHeadersFilter keygateUpstreamHeadersFilter(
            KeygateGatewayProperties properties,
            ObjectProvider<ApiKeyCredentialResolver> resolver) {
        ApiKeyCredentialConverter places =
                resolver.getIfAvailable() instanceof ApiKeyCredentialConverter own
                        ? own
                        : credentialConverter(properties);
        return new UpstreamHeadersFilter(
                properties.identityHeaders(), places, properties.credentials().strip());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(
            prefix = "keygate.gateway.firewall",
            name = "enabled",
            havingValue = "true",
            matchIfMissing = true)
    RequestFirewallWebFilter keygateRequestFirewallWebFilter(
            KeygateGatewayProperties properties, ApiKeyFailureHandler failures) {
        KeygateGatewayProperties.Firewall settings = properties.firewall();
        StrictServerWebExchangeFirewall firewall = new StrictServerWebExchangeFirewall();
        firewall.setAllowUrlEncodedSlash(settings.allowUrlEncodedSlash());
        firewall.setAllowUrlEncodedPercent(settings.allowUrlEncodedPercent());
        firewall.setAllowSemicolon(settings.allowSemicolon());
        firewall.setAllowBackSlash(settings.allowBackslash());
        firewall.setAllowedHttpMethods(
                settings.allowedMethods().stream().map(HttpMethod::valueOf).toList());
        return new RequestFirewallWebFilter(firewall, failures);
    }

    /**
     * The access log's writer: a lifecycle bean with a thread of its own ({@code
     * keygate.gateway.access-log.enabled}, off unless set; the runnable gateway sets it).
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(
            prefix = "keygate.gateway.access-log",
            name = "enabled",
            havingValue = "true")
    AccessLogWriter keygateAccessLogWriter(
            KeygateGatewayProperties properties, ObjectProvider<MeterRegistry> registry) {
        return new AccessLogWriter(
                properties.accessLog().queueCapacity(),
                properties.credentials().queryParameters(),
                meters(registry));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(
            prefix = "keygate.gateway.access-log",
            name = "enabled",
            havingValue = "true")
    AccessLogWebFilter keygateAccessLogWebFilter(
            AccessLogWriter writer,
            KeygateGatewayProperties properties,
            @Qualifier(ADDRESS_RESOLVER_BEAN) RemoteAddressResolver addresses,
            @Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock) {
        return new AccessLogWebFilter(
                writer, addresses, clock(clock), properties.accessLog().includeQuery());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(
            prefix = "keygate.gateway",
            name = "cors-preflight-public",
            havingValue = "true",
            matchIfMissing = true)
    PreflightForwardingWebFilter keygatePreflightForwardingWebFilter(
            ObjectProvider<GlobalCorsProperties> globalCors) {
        GlobalCorsProperties cors = globalCors.getIfAvailable();
        // with a CORS configuration of its own the gateway answers preflights itself
        boolean gatewayAnswers = cors != null && !cors.getCorsConfigurations().isEmpty();
        return new PreflightForwardingWebFilter(!gatewayAnswers);
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyAuthenticationFilter keygateApiKeyAuthenticationFilter(
            ApiKeyCredentialResolver credentials,
            ApiKeyAuthenticator authenticator,
            ApiKeyAuthorizer authorizer,
            ApiKeyFailureHandler failures,
            AuthenticationThrottle throttle,
            UsageLimiter limiter,
            UsageRecorder usage,
            ObjectProvider<MeterRegistry> registry) {
        return new ApiKeyAuthenticationFilter(
                credentials,
                authenticator,
                authorizer,
                failures,
                throttle,
                limiter,
                usage,
                meters(registry));
    }

    /**
     * The usage recorder: {@link UsageRecorder#NONE} when usage tracking is off or there is no
     * Redis connection factory (a key store of the application's own), else a {@link
     * CoalescingUsageRecorder} (a lifecycle bean: it flushes on a thread of its own and once more
     * on a graceful stop).
     */
    @Bean
    @ConditionalOnMissingBean
    UsageRecorder keygateUsageRecorder(
            ObjectProvider<ReactiveRedisConnectionFactory> redis,
            KeygateGatewayProperties properties,
            UsageProperties usage,
            @Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock,
            ObjectProvider<MeterRegistry> registry) {
        KeygateGatewayProperties.Usage recording = properties.usage();
        ReactiveRedisConnectionFactory connectionFactory = redis.getIfAvailable();
        if (!recording.enabled() || connectionFactory == null) {
            return UsageRecorder.NONE;
        }
        return new CoalescingUsageRecorder(
                new RedisUsageStore(
                        new ReactiveStringRedisTemplate(connectionFactory),
                        new RedisKeyspace(properties.redisNamespace()),
                        usage,
                        !(connectionFactory instanceof LettuceConnectionFactory lettuce)
                                || lettuce.isClusterAware()),
                clock(clock),
                recording.flushInterval(),
                recording.maximumKeys(),
                meters(registry));
    }

    /**
     * The usage limiter: {@link UsageLimiter#NONE} when limits are off (or there is no Redis
     * connection factory: a key store of the application's own), else the mode's. The limit script
     * adds the {@code LongSupplier} bean named {@value #LIMITS_TIME_SHIFT_BEAN} (if any) to Redis's
     * clock, in microseconds: a test hook to cross a day boundary.
     */
    @Bean
    @ConditionalOnMissingBean
    UsageLimiter keygateUsageLimiter(
            ObjectProvider<ReactiveRedisConnectionFactory> redis,
            KeygateGatewayProperties properties,
            @Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock,
            @Qualifier(LIMITS_TIME_SHIFT_BEAN) ObjectProvider<LongSupplier> timeShift,
            ObjectProvider<MeterRegistry> registry) {
        KeygateGatewayProperties.Limits limits = properties.limits();
        ReactiveRedisConnectionFactory connectionFactory = redis.getIfAvailable();
        if (!limits.enabled() || connectionFactory == null) {
            // limits live in Redis (the admin API sets them there): a gateway on a key store of
            // its own, without Redis, has none to enforce
            return UsageLimiter.NONE;
        }
        RedisLimitCounters counters =
                new RedisLimitCounters(
                        new ReactiveStringRedisTemplate(connectionFactory),
                        new RedisKeyspace(properties.redisNamespace()));
        boolean quotaFailsClosed =
                limits.quotaOnFailure() == KeygateGatewayProperties.Limits.FailureMode.CLOSED;
        LongSupplier shift = timeShift.getIfAvailable(() -> () -> 0L);
        if (limits.mode() == KeygateGatewayProperties.Limits.Mode.LOCAL_THEN_SYNC) {
            return UsageLimiters.localThenSync(
                    counters,
                    limits.defaults(),
                    limits.headers(),
                    limits.timeout(),
                    quotaFailsClosed,
                    limits.syncInterval(),
                    limits.maximumLocalCounters(),
                    shift,
                    clock(clock),
                    meters(registry));
        }
        return UsageLimiters.exact(
                counters,
                limits.defaults(),
                limits.headers(),
                limits.timeout(),
                quotaFailsClosed,
                shift,
                clock(clock),
                meters(registry));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    KeygateEndpoint keygateEndpoint(
            KeyCache cache, InvalidationTracker tracker, KeygateGatewayProperties properties) {
        return new KeygateEndpoint(nodeId(properties), cache, tracker);
    }

    /** The configured node id, else {@code <hostname>-<pid>}. */
    static String nodeId(KeygateGatewayProperties properties) {
        if (properties.nodeId() != null && !properties.nodeId().isBlank()) {
            return properties.nodeId();
        }
        return host() + "-" + ProcessHandle.current().pid();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException ex) {
            return "unknown-host";
        }
    }

    @Bean(name = "keygateHealthIndicator")
    @ConditionalOnMissingBean(name = "keygateHealthIndicator")
    @ConditionalOnClass(
            name = "org.springframework.boot.health.contributor.AbstractReactiveHealthIndicator")
    KeygateHealthIndicator keygateHealthIndicator(InvalidationTracker tracker, KeyCache cache) {
        return new KeygateHealthIndicator(tracker, cache);
    }
}
