package dev.keygate.gateway.actuate;

import dev.keygate.gateway.cache.InvalidationTracker;
import dev.keygate.gateway.cache.KeyCache;
import java.time.Duration;
import org.springframework.boot.health.contributor.AbstractReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import reactor.core.publisher.Mono;

/**
 * Health of the key cache's freshness: UP while the invalidation epoch is confirmed within {@code
 * max-staleness} (which implies Redis answers) and the channel subscription is up; DOWN otherwise,
 * so a load balancer stops sending traffic to a gateway that can only answer 503. Contributes to
 * readiness (not liveness: restarting does not fix Redis). Details never include keys or hashes.
 */
public final class KeygateHealthIndicator extends AbstractReactiveHealthIndicator {

    private final InvalidationTracker tracker;
    private final KeyCache cache;

    public KeygateHealthIndicator(InvalidationTracker tracker, KeyCache cache) {
        super("Keygate invalidation health check failed");
        this.tracker = tracker;
        this.cache = cache;
    }

    @Override
    protected Mono<Health> doHealthCheck(Health.Builder builder) {
        Duration since = tracker.sinceConfirmed();
        boolean fresh = tracker.isTrusted();
        builder.status(fresh && tracker.isSubscribed() ? "UP" : "DOWN")
                .withDetail("subscribed", tracker.isSubscribed())
                .withDetail("confirmedEpoch", tracker.confirmedEpoch())
                .withDetail("sinceConfirmed", since == null ? "never" : since.toString())
                .withDetail("cacheTrusted", fresh)
                .withDetail("cachedKeys", cache.size())
                .withDetail("flushes", cache.flushCount());
        return Mono.just(builder.build());
    }
}
