package dev.keygate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.core.store.KeyStore;
import dev.keygate.core.testing.MapKeyStore;
import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.authentication.ApiKeyAuthenticator;
import dev.keygate.gateway.authentication.ApiKeyAuthorizer;
import dev.keygate.gateway.authentication.ApiKeyCredentialConverter;
import dev.keygate.gateway.authentication.ApiKeyCredentialResolver;
import dev.keygate.gateway.authentication.ApiKeyFailureHandler;
import dev.keygate.gateway.authentication.AuthenticationThrottle;
import dev.keygate.gateway.authentication.CachingApiKeyAuthenticator;
import dev.keygate.gateway.authentication.ClientAddressResolver;
import dev.keygate.gateway.authentication.CredentialExtraction;
import dev.keygate.gateway.authentication.FailedAuthenticationThrottle;
import dev.keygate.gateway.authentication.ProblemJsonFailureHandler;
import dev.keygate.gateway.authentication.Refusal;
import dev.keygate.gateway.authentication.UpstreamHeadersFilter;
import dev.keygate.gateway.cache.RedisInvalidationSubscriber;
import dev.keygate.gateway.limits.ExactUsageLimiter;
import dev.keygate.gateway.limits.LimitOutcome;
import dev.keygate.gateway.limits.LocalThenSyncLimiter;
import dev.keygate.gateway.limits.UsageLimiter;
import dev.keygate.gateway.usage.CoalescingUsageRecorder;
import dev.keygate.gateway.usage.UsageRecorder;
import io.lettuce.core.ReadFrom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.cloud.gateway.support.ipresolver.XForwardedRemoteAddressResolver;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.test.util.ReflectionTestUtils;
import reactor.core.publisher.Mono;

@ExtendWith(OutputCaptureExtension.class)
class KeygateGatewayAutoConfigurationTests {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner()
                    .withConfiguration(
                            AutoConfigurations.of(KeygateGatewayAutoConfiguration.class));

    @Test
    void withoutARedisConnectionFactoryTheApplicationRefusesToStartRatherThanRunUnprotected() {
        runner.run(
                context ->
                        assertThat(context)
                                .getFailure()
                                .rootCause()
                                .isInstanceOf(NoSuchBeanDefinitionException.class)
                                .hasMessageContaining(
                                        ReactiveRedisConnectionFactory.class.getName()));
    }

    @Test
    void eachPartOfTheRequestPathIsABeanWithADefault() {
        runner.withUserConfiguration(OwnStore.class)
                .run(
                        context -> {
                            assertThat(context)
                                    .getBean(ApiKeyCredentialResolver.class)
                                    .isInstanceOf(ApiKeyCredentialConverter.class);
                            assertThat(context)
                                    .getBean(ApiKeyAuthenticator.class)
                                    .isInstanceOf(CachingApiKeyAuthenticator.class);
                            assertThat(context).hasSingleBean(ApiKeyAuthorizer.class);
                            assertThat(context)
                                    .getBean(ApiKeyFailureHandler.class)
                                    .isInstanceOf(ProblemJsonFailureHandler.class);
                            assertThat(context)
                                    .getBean(AuthenticationThrottle.class)
                                    .isInstanceOf(FailedAuthenticationThrottle.class);
                            assertThrottleAddressesAreKeygates(context);
                        });
    }

    @Test
    void theUsageLimiterFollowsTheModeNeedsRedisAndCanBeReplaced() {
        runner.withUserConfiguration(OwnStore.class)
                .run(
                        context ->
                                assertThat(context.getBean(UsageLimiter.class))
                                        .as("no Redis, no limits to enforce")
                                        .isSameAs(UsageLimiter.NONE));
        runner.withUserConfiguration(OwnStore.class)
                .withBean(
                        ReactiveRedisConnectionFactory.class,
                        () -> new LettuceConnectionFactory("127.0.0.1", 1))
                .run(
                        context ->
                                assertThat(context.getBean(UsageLimiter.class))
                                        .isInstanceOf(ExactUsageLimiter.class));
        runner.withUserConfiguration(OwnStore.class)
                .withBean(
                        ReactiveRedisConnectionFactory.class,
                        () -> new LettuceConnectionFactory("127.0.0.1", 1))
                .withPropertyValues("keygate.gateway.limits.mode=local-then-sync")
                .run(
                        context ->
                                assertThat(context.getBean(UsageLimiter.class))
                                        .isInstanceOf(LocalThenSyncLimiter.class));
        UsageLimiter own = (record, route, routeId) -> LimitOutcome.UNLIMITED_MONO;
        runner.withUserConfiguration(OwnStore.class)
                .withBean(UsageLimiter.class, () -> own)
                .run(context -> assertThat(context.getBean(UsageLimiter.class)).isSameAs(own));
    }

    /** The throttle's client addresses come from Keygate's resolver, whatever else is defined. */
    @Test
    void theUsageRecorderNeedsRedisCanBeTurnedOffAndReplaced() {
        runner.withUserConfiguration(OwnStore.class)
                .run(
                        context ->
                                assertThat(context.getBean(UsageRecorder.class))
                                        .as("no Redis, nowhere to write usage")
                                        .isSameAs(UsageRecorder.NONE));
        runner.withUserConfiguration(OwnStore.class)
                .withBean(
                        ReactiveRedisConnectionFactory.class,
                        () -> new LettuceConnectionFactory("127.0.0.1", 1))
                .run(
                        context ->
                                assertThat(context.getBean(UsageRecorder.class))
                                        .isInstanceOf(CoalescingUsageRecorder.class));
        runner.withUserConfiguration(OwnStore.class)
                .withBean(
                        ReactiveRedisConnectionFactory.class,
                        () -> new LettuceConnectionFactory("127.0.0.1", 1))
                .withPropertyValues("keygate.gateway.usage.enabled=false")
                .run(
                        context ->
                                assertThat(context.getBean(UsageRecorder.class))
                                        .isSameAs(UsageRecorder.NONE));
        UsageRecorder own = (record, previous, scopes) -> {};
        runner.withUserConfiguration(OwnStore.class)
                .withBean(UsageRecorder.class, () -> own)
                .run(context -> assertThat(context.getBean(UsageRecorder.class)).isSameAs(own));
        runner.withUserConfiguration(OwnStore.class)
                .withPropertyValues("keygate.usage.retention=0s")
                .run(context -> assertThat(context).hasFailed());
    }

    private static void assertThrottleAddressesAreKeygates(ApplicationContext context) {
        assertThat(context.getBean(KeygateGatewayAutoConfiguration.ADDRESS_RESOLVER_BEAN))
                .isInstanceOf(ClientAddressResolver.class);
    }

    @Test
    void applicationPartsReplaceKeygates() {
        runner.withUserConfiguration(OwnStore.class, OwnParts.class)
                .run(
                        context -> {
                            assertThat(context).hasNotFailed();
                            assertThat(context.getBean(ApiKeyCredentialResolver.class))
                                    .isSameAs(OwnParts.RESOLVER);
                            assertThat(context.getBean(ApiKeyAuthenticator.class))
                                    .isSameAs(OwnParts.AUTHENTICATOR);
                            assertThat(context.getBean(ApiKeyAuthorizer.class))
                                    .isSameAs(OwnParts.AUTHORIZER);
                            assertThat(context.getBean(ApiKeyFailureHandler.class))
                                    .isSameAs(OwnParts.FAILURES);
                            assertThat(context.getBean(AuthenticationThrottle.class))
                                    .isSameAs(AuthenticationThrottle.NONE);
                            assertThat(context).hasSingleBean(ApiKeyAuthenticationFilter.class);
                        });
    }

    @Test
    void oneReplacedPartLeavesTheOthersAndTheFilterUsesIt() {
        runner.withUserConfiguration(OwnStore.class)
                .withBean(ApiKeyAuthorizer.class, () -> OwnParts.AUTHORIZER)
                .run(
                        context -> {
                            ApiKeyAuthenticationFilter filter =
                                    context.getBean(ApiKeyAuthenticationFilter.class);
                            assertThat(ReflectionTestUtils.getField(filter, "authorizer"))
                                    .isSameAs(OwnParts.AUTHORIZER);
                            assertThat(ReflectionTestUtils.getField(filter, "authenticator"))
                                    .isInstanceOf(CachingApiKeyAuthenticator.class);
                            assertThat(ReflectionTestUtils.getField(filter, "failures"))
                                    .isInstanceOf(ProblemJsonFailureHandler.class);
                        });
    }

    @Test
    void theApplicationsOwnConverterDecidesWhatTheUpstreamMustNotSee() {
        runner.withUserConfiguration(OwnStore.class)
                .withBean(
                        ApiKeyCredentialConverter.class,
                        () ->
                                new ApiKeyCredentialConverter(
                                        List.of("Token"), List.of("X-My-Key"), List.of()))
                .run(
                        context -> {
                            UpstreamHeadersFilter upstream =
                                    context.getBean(UpstreamHeadersFilter.class);
                            MockServerWebExchange exchange =
                                    MockServerWebExchange.from(
                                            MockServerHttpRequest.get("/")
                                                    .header("X-My-Key", "kg_secret")
                                                    .header(
                                                            HttpHeaders.AUTHORIZATION,
                                                            "Token kg_secret"));
                            HttpHeaders forwarded =
                                    upstream.filter(exchange.getRequest().getHeaders(), exchange);
                            assertThat(forwarded.containsHeader("X-My-Key")).isFalse();
                            assertThat(forwarded.containsHeader(HttpHeaders.AUTHORIZATION))
                                    .isFalse();
                        });
    }

    @Test
    void aRemoteAddressResolverOfTheApplicationsRoutesIsNotTakenForTheThrottles() {
        runner.withUserConfiguration(OwnStore.class)
                .withBean(
                        "routesResolver",
                        RemoteAddressResolver.class,
                        () -> XForwardedRemoteAddressResolver.trustAll())
                .withBean(
                        "otherResolver",
                        RemoteAddressResolver.class,
                        () -> XForwardedRemoteAddressResolver.maxTrustedIndex(1))
                .run(
                        context -> {
                            assertThat(context).hasNotFailed();
                            assertThrottleAddressesAreKeygates(context);
                        });
    }

    @Test
    void withTheThrottleOffTheThrottleIsTheNoOp() {
        runner.withUserConfiguration(OwnStore.class)
                .withPropertyValues("keygate.gateway.throttle.enabled=false")
                .run(
                        context ->
                                assertThat(context.getBean(AuthenticationThrottle.class))
                                        .isSameAs(AuthenticationThrottle.NONE));
    }

    @Test
    void noBareClockOrTickerBeanEntersTheApplication() {
        runner.withUserConfiguration(OwnStore.class)
                .run(
                        context -> {
                            assertThat(context).hasNotFailed();
                            assertThat(context).doesNotHaveBean(Clock.class);
                            assertThat(context).doesNotHaveBean(Ticker.class);
                        });
    }

    @Test
    void theApplicationsOwnClockIsNotTakenForKeygates() {
        runner.withUserConfiguration(OwnStore.class, OwnClock.class)
                .run(
                        context -> {
                            assertThat(context).hasNotFailed();
                            // one Clock bean, the application's, injectable by type as before
                            assertThat(context).hasSingleBean(Clock.class);
                            assertThat(clockOf(context.getBean(ApiKeyAuthenticator.class)))
                                    .isNotSameAs(OwnClock.CLOCK);
                        });
    }

    @Test
    void aClockNamedKeygateClockIsTheOneKeygateReads() {
        runner.withUserConfiguration(OwnStore.class)
                .withBean(
                        KeygateGatewayAutoConfiguration.CLOCK_BEAN,
                        Clock.class,
                        () -> OwnClock.CLOCK)
                .run(
                        context ->
                                assertThat(clockOf(context.getBean(ApiKeyAuthenticator.class)))
                                        .isSameAs(OwnClock.CLOCK));
    }

    private static Object clockOf(ApiKeyAuthenticator authenticator) {
        return ReflectionTestUtils.getField(authenticator, "clock");
    }

    @Test
    void applicationBeansReplaceKeygatesAndTheFilterIsInstalled() {
        runner.withUserConfiguration(OwnStore.class)
                .run(
                        context -> {
                            assertThat(context).hasNotFailed();
                            assertThat(context)
                                    .getBean(KeyStore.class)
                                    .isInstanceOf(MapKeyStore.class);
                            assertThat(context).hasSingleBean(ApiKeyAuthenticationFilter.class);
                            // no Lettuce factory: nothing to subscribe with, and the cache is never
                            // trusted
                            assertThat(context).doesNotHaveBean(RedisInvalidationSubscriber.class);
                        });
    }

    @Test
    void disabledMeansNoFilter() {
        runner.withUserConfiguration(OwnStore.class)
                .withPropertyValues("keygate.gateway.enabled=false")
                .run(
                        context ->
                                assertThat(context)
                                        .doesNotHaveBean(ApiKeyAuthenticationFilter.class));
    }

    @Test
    void disabledGatewayWarnsThatItIsAnOpenProxy(CapturedOutput output) {
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(
                                KeygateGatewayAutoConfiguration.class,
                                KeygateDisabledAutoConfiguration.class))
                .withPropertyValues("keygate.gateway.enabled=false")
                .run(context -> assertThat(context).hasNotFailed());
        assertThat(output)
                .contains("WARN")
                .contains("keygate.gateway.enabled=false: no API key is checked");
    }

    @Test
    void readsFromRedisReplicasAreRefusedAtStart() {
        LettuceConnectionFactory replicas =
                new LettuceConnectionFactory(
                        new RedisStandaloneConfiguration("127.0.0.1", 6379),
                        LettuceClientConfiguration.builder().readFrom(ReadFrom.REPLICA).build());
        assertThatThrownBy(() -> KeygateGatewayAutoConfiguration.refuseReplicaReads(replicas))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("spring.data.redis.lettuce.read-from")
                .hasMessageContaining("reads from Replica");
        LettuceConnectionFactory master =
                new LettuceConnectionFactory(
                        new RedisStandaloneConfiguration("127.0.0.1", 6379),
                        LettuceClientConfiguration.builder().readFrom(ReadFrom.UPSTREAM).build());
        KeygateGatewayAutoConfiguration.refuseReplicaReads(master);
        KeygateGatewayAutoConfiguration.refuseReplicaReads(
                new LettuceConnectionFactory("127.0.0.1", 6379));
    }

    @Test
    void invalidConfigurationFailsAtStartupWithTheOffendingValue() {
        runner.withUserConfiguration(OwnStore.class)
                .withPropertyValues("keygate.gateway.key-prefix=Not_Valid")
                .run(
                        context ->
                                assertThat(context)
                                        .getFailure()
                                        .rootCause()
                                        .hasMessageContaining("Not_Valid"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnParts {
        static final ApiKeyCredentialResolver RESOLVER = request -> CredentialExtraction.MISSING;
        static final ApiKeyAuthenticator AUTHENTICATOR =
                (credential, permit) -> Mono.just(Refusal.of(Refusal.Reason.UNKNOWN));
        static final ApiKeyAuthorizer AUTHORIZER = (record, requirements) -> false;
        static final ApiKeyFailureHandler FAILURES = (exchange, refusal) -> Mono.empty();

        @Bean
        ApiKeyCredentialResolver resolver() {
            return RESOLVER;
        }

        @Bean
        ApiKeyAuthenticator authenticator() {
            return AUTHENTICATOR;
        }

        @Bean
        ApiKeyAuthorizer authorizer() {
            return AUTHORIZER;
        }

        @Bean
        ApiKeyFailureHandler failures() {
            return FAILURES;
        }

        @Bean
        AuthenticationThrottle throttle() {
            return AuthenticationThrottle.NONE;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClock {
        static final Clock CLOCK =
                Clock.fixed(java.time.Instant.parse("2000-01-01T00:00:00Z"), ZoneOffset.UTC);

        @Bean
        Clock applicationClock() {
            return CLOCK;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStore {
        @Bean
        KeyStore keyStore() {
            return new MapKeyStore();
        }
    }
}
