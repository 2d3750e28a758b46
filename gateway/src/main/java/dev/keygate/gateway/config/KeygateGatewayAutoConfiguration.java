package dev.keygate.gateway.config;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.store.KeyStore;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.gateway.actuate.KeygateEndpoint;
import dev.keygate.gateway.actuate.KeygateHealthIndicator;
import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.authentication.ApiKeyAuthorizer;
import dev.keygate.gateway.authentication.ApiKeyCredentialConverter;
import dev.keygate.gateway.authentication.ApiKeyFailureHandler;
import dev.keygate.gateway.authentication.ApiKeyVerifier;
import dev.keygate.gateway.authentication.ClientAddressResolver;
import dev.keygate.gateway.authentication.FailedAuthenticationThrottle;
import dev.keygate.gateway.authentication.PreflightForwardingWebFilter;
import dev.keygate.gateway.authentication.UpstreamHeadersFilter;
import dev.keygate.gateway.cache.InvalidationTracker;
import dev.keygate.gateway.cache.KeyCache;
import dev.keygate.gateway.cache.RedisInvalidationSubscriber;
import dev.keygate.gateway.firewall.RequestFirewallWebFilter;
import io.lettuce.core.ReadFrom;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;

/**
 * Installs Keygate in any Spring Cloud Gateway (server-webflux) application that has the {@code
 * keygate-gateway} dependency and a Lettuce {@link ReactiveRedisConnectionFactory} (Spring Boot's
 * {@code spring.data.redis.*}). Every bean backs off when the application defines its own. Turn it
 * off with {@code keygate.gateway.enabled=false}.
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
@EnableConfigurationProperties(KeygateGatewayProperties.class)
public class KeygateGatewayAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "keygateClock")
    Clock keygateClock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean(name = "keygateTicker")
    Ticker keygateTicker() {
        return Ticker.systemTicker();
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
            Clock keygateClock) {
        refuseReplicaReads(connectionFactory);
        return new RedisKeyStore(
                new ReactiveStringRedisTemplate(connectionFactory),
                new RedisKeyspace(properties.redisNamespace()),
                new ApiKeyGenerator(
                        ApiKeyFormat.withPrefix(properties.keyPrefix()), new SecureRandom()),
                keygateClock);
    }

    @Bean
    @ConditionalOnMissingBean
    KeyCache keygateKeyCache(
            KeyStore store,
            KeygateGatewayProperties properties,
            Ticker keygateTicker,
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
                keygateTicker,
                registry.getIfAvailable(SimpleMeterRegistry::new));
    }

    @Bean
    @ConditionalOnMissingBean
    InvalidationTracker keygateInvalidationTracker(
            KeyCache cache,
            KeygateGatewayProperties properties,
            Ticker keygateTicker,
            ObjectProvider<MeterRegistry> registry) {
        return new InvalidationTracker(
                cache,
                keygateTicker,
                properties.invalidation().maxStaleness(),
                registry.getIfAvailable(SimpleMeterRegistry::new));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(LettuceConnectionFactory.class)
    RedisInvalidationSubscriber keygateInvalidationSubscriber(
            LettuceConnectionFactory connectionFactory,
            KeyStore store,
            InvalidationTracker tracker,
            KeygateGatewayProperties properties,
            Ticker keygateTicker) {
        KeygateGatewayProperties.Invalidation invalidation = properties.invalidation();
        return new RedisInvalidationSubscriber(
                connectionFactory::getNativeClient,
                new RedisKeyspace(properties.redisNamespace()).channel(),
                store,
                tracker,
                keygateTicker,
                invalidation.pollInterval(),
                invalidation.messageGrace(),
                invalidation.commandTimeout());
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyVerifier keygateApiKeyVerifier(KeyCache cache, Clock keygateClock) {
        return new ApiKeyVerifier(cache, keygateClock);
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
    ApiKeyCredentialConverter keygateApiKeyCredentialConverter(
            KeygateGatewayProperties properties) {
        KeygateGatewayProperties.Credentials credentials = properties.credentials();
        return new ApiKeyCredentialConverter(
                credentials.authorizationSchemes(),
                credentials.headers(),
                credentials.queryParameters());
    }

    @Bean
    @ConditionalOnMissingBean
    ApiKeyFailureHandler keygateApiKeyFailureHandler(KeygateGatewayProperties properties) {
        return new ApiKeyFailureHandler(
                properties.credentials().authorizationSchemes(),
                properties.realm(),
                properties.retryAfter());
    }

    @Bean
    @ConditionalOnMissingBean
    UpstreamHeadersFilter keygateUpstreamHeadersFilter(
            KeygateGatewayProperties properties, ApiKeyCredentialConverter converter) {
        return new UpstreamHeadersFilter(
                properties.identityHeaders(), converter, properties.credentials().strip());
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
            ApiKeyCredentialConverter converter,
            ApiKeyParser parser,
            ApiKeyVerifier verifier,
            ApiKeyFailureHandler failures,
            KeygateGatewayProperties properties,
            Ticker keygateTicker,
            ObjectProvider<MeterRegistry> registry) {
        ApiKeyAuthenticationFilter filter =
                new ApiKeyAuthenticationFilter(
                        converter,
                        parser,
                        verifier,
                        new ApiKeyAuthorizer(),
                        failures,
                        properties.credentials().strip(),
                        properties.corsPreflightPublic(),
                        registry.getIfAvailable(SimpleMeterRegistry::new));
        KeygateGatewayProperties.Throttle throttle = properties.throttle();
        if (throttle.enabled()) {
            filter.setFailureThrottle(
                    new FailedAuthenticationThrottle(
                            throttle.maxFailuresPerMinute(),
                            throttle.lookupsPerSecond(),
                            throttle.maximumAddresses(),
                            keygateTicker),
                    new ClientAddressResolver(throttle.trustedProxies()));
        }
        return filter;
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
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException ex) {
            host = "unknown-host";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    @Bean(name = "keygateHealthIndicator")
    @ConditionalOnMissingBean(name = "keygateHealthIndicator")
    @ConditionalOnClass(
            name = "org.springframework.boot.health.contributor.AbstractReactiveHealthIndicator")
    KeygateHealthIndicator keygateHealthIndicator(InvalidationTracker tracker, KeyCache cache) {
        return new KeygateHealthIndicator(tracker, cache);
    }
}
