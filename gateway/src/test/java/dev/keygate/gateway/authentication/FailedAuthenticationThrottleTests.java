package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedAuthenticationThrottleTests {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;
    private final FailedAuthenticationThrottle throttle =
            new FailedAuthenticationThrottle(
                    3, 2, 100, new ClientAddressResolver(List.of()), ticker);

    @Test
    void addressIsRefusedOnceItReachesTheLimitUntilItsWindowEnds() {
        for (int i = 0; i < 2; i++) {
            throttle.recordFailure("192.0.2.1");
        }
        assertThat(throttle.retryAfter("192.0.2.1")).isZero();
        nanos.addAndGet(Duration.ofSeconds(20).toNanos());
        throttle.recordFailure("192.0.2.1");

        assertThat(throttle.retryAfter("192.0.2.1")).isEqualTo(Duration.ofSeconds(40));
        assertThat(throttle.retryAfter("192.0.2.2")).isZero();

        nanos.addAndGet(Duration.ofSeconds(40).toNanos());
        assertThat(throttle.retryAfter("192.0.2.1")).isZero();
        // a new window starts from scratch
        throttle.recordFailure("192.0.2.1");
        assertThat(throttle.retryAfter("192.0.2.1")).isZero();
    }

    @Test
    void failuresInARefusedWindowDoNotExtendIt() {
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure("192.0.2.1");
        }
        nanos.addAndGet(Duration.ofSeconds(59).toNanos());
        throttle.recordFailure("192.0.2.1");
        assertThat(throttle.retryAfter("192.0.2.1")).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aLimitedAddressGetsAFewLookupsPerSecondAndNoMore() {
        assertThat(throttle.tryLookup("192.0.2.1")).isTrue(); // not limited, not tracked
        for (int i = 0; i < 3; i++) {
            throttle.recordFailure("192.0.2.1");
        }
        nanos.addAndGet(Duration.ofMillis(300).toNanos());
        assertThat(throttle.tryLookup("192.0.2.1")).isTrue();
        assertThat(throttle.tryLookup("192.0.2.1")).isTrue();
        assertThat(throttle.tryLookup("192.0.2.1")).isFalse();
        assertThat(throttle.retryAfterLookup()).isEqualTo(Duration.ofMillis(700));

        nanos.addAndGet(Duration.ofMillis(700).toNanos());
        assertThat(throttle.tryLookup("192.0.2.1")).isTrue();
        assertThat(throttle.tryLookup("192.0.2.2")).isTrue();
    }

    @Test
    void anIdVerifiedFromTheStoreSkipsTheAllowanceOfALimitedAddress() {
        for (int i = 0; i < 3; i++) {
            throttle.recordFailure("192.0.2.1");
        }
        assertThat(throttle.tryLookup("192.0.2.1", "made-up-1")).isTrue();
        assertThat(throttle.tryLookup("192.0.2.1", "made-up-2")).isTrue();
        assertThat(throttle.tryLookup("192.0.2.1", "made-up-3")).isFalse();
        throttle.recordVerified("known");
        assertThat(throttle.tryLookup("192.0.2.1", "known")).isTrue();
        assertThat(throttle.tryLookup("192.0.2.1", "made-up-4")).isFalse();
    }

    @Test
    void aNonPositiveLimitFailsFastWithTheValue() {
        assertThatThrownBy(
                        () ->
                                new FailedAuthenticationThrottle(
                                        0, 2, 10, new ClientAddressResolver(List.of()), ticker))
                .hasMessageContaining("0");
    }
}
