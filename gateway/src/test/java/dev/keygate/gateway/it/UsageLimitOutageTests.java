package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.test.redis.RedisProcess;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * The limits' failure policy with Redis frozen (SIGSTOP) while the key itself is still trusted from
 * the cache: a rate limit fails open (the request goes on, counted as {@code unavailable}), a quota
 * fails open by default and closed (503 {@code limits-unavailable}) when configured; never a 500,
 * never a hang beyond the limit timeout. Also the gateway's default limits for keys without their
 * own.
 */
class UsageLimitOutageTests {

    private RedisProcess redis;
    private GatewayFixture fixture;

    private void start(String quotaOnFailure) {
        redis = RedisProcess.launch();
        fixture =
                GatewayFixture.builder()
                        .redis(Map.of("spring.data.redis.url", redis.uri()), null)
                        // long enough that the cached key stays trusted while Redis is frozen
                        .property("keygate.gateway.invalidation.max-staleness", "60s")
                        .property("keygate.gateway.limits.timeout", "50ms")
                        .property("keygate.gateway.limits.quota-on-failure", quotaOnFailure)
                        .property("keygate.gateway.limits.default-rate-limit.requests", "1000")
                        .property("keygate.gateway.limits.default-rate-limit.per", "1d")
                        .closing(redis)
                        .start();
    }

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private IssuedKey mint(UsageLimits limits) {
        try (TestKeys keys = TestKeys.connectedTo(redis, Clock.systemUTC())) {
            return keys.mint(NewKey.forOwner("acct-1").withLimits(limits));
        }
    }

    private EntityExchangeResult<String> call(IssuedKey key) {
        return fixture.client()
                .get()
                .uri("/things")
                .header("X-Api-Key", key.key())
                .exchange()
                .expectBody(String.class)
                .returnResult();
    }

    private double unavailable() {
        Counter counter =
                fixture.gateway()
                        .bean(MeterRegistry.class)
                        .find("keygate.limits")
                        .tag("result", "unavailable")
                        .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void withRedisFrozenRateLimitsAndQuotasFailOpenByDefault() {
        start("open");
        IssuedKey defaulted = mint(UsageLimits.NONE);
        IssuedKey withQuota = mint(UsageLimits.of(null, new Quota(100, Quota.Period.DAY)));
        // the gateway's default rate limit applies to a key without limits of its own
        assertThat(call(defaulted).getResponseHeaders().getFirst("RateLimit-Policy"))
                .isEqualTo("\"key\";q=1000;w=86400");
        assertThat(call(withQuota).getStatus().value()).isEqualTo(200);

        redis.freeze();
        try {
            EntityExchangeResult<String> rate = call(defaulted);
            EntityExchangeResult<String> quota = call(withQuota);
            assertThat(rate.getStatus().value()).isEqualTo(200);
            assertThat(quota.getStatus().value()).isEqualTo(200);
            // nothing known, nothing claimed
            assertThat(rate.getResponseHeaders().getFirst("RateLimit")).isNull();
        } finally {
            redis.resume();
        }
        assertThat(unavailable()).isEqualTo(2);
    }

    @Test
    void withRedisFrozenAQuotaFailsClosedWhenConfiguredWhileARateLimitStillFailsOpen() {
        start("closed");
        IssuedKey rateOnly = mint(UsageLimits.NONE);
        IssuedKey withQuota = mint(UsageLimits.of(null, new Quota(100, Quota.Period.DAY)));
        assertThat(call(rateOnly).getStatus().value()).isEqualTo(200);
        assertThat(call(withQuota).getStatus().value()).isEqualTo(200);

        redis.freeze();
        try {
            assertThat(call(rateOnly).getStatus().value()).isEqualTo(200);
            EntityExchangeResult<String> quota = call(withQuota);
            assertThat(quota.getStatus().value()).isEqualTo(503);
            assertThat(quota.getResponseBody())
                    .contains("\"type\":\"https://keygate.dev/problems/limits-unavailable\"");
            assertThat(quota.getResponseHeaders().getFirst("Retry-After")).isNotNull();
        } finally {
            redis.resume();
        }
        assertThat(call(withQuota).getStatus().value()).isEqualTo(200);
    }
}
