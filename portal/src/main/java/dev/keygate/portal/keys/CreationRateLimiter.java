package dev.keygate.portal.keys;

import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.portal.config.PortalProperties.CreationRateProperties;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * How many keys an owner may create (or regenerate) in the portal: at most {@code limit} per {@code
 * period}, counted in Redis ({@code creations.lua}, one counter per owner in the owner's slot) so
 * every portal instance shares the count. A fixed window from the owner's first creation; a refused
 * attempt is not counted.
 *
 * <p>Failure policy: when Redis cannot be asked, the error signal passes through (503): the
 * creation would need Redis anyway. Non-blocking and thread-safe.
 */
public final class CreationRateLimiter {

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> SCRIPT =
            RedisScript.of(
                    new ClassPathResource("dev/keygate/portal/keys/creations.lua"), List.class);

    private final ReactiveStringRedisTemplate redis;
    private final RedisKeyspace keyspace;
    private final CreationRateProperties rate;

    public CreationRateLimiter(
            ReactiveStringRedisTemplate redis,
            RedisKeyspace keyspace,
            CreationRateProperties rate) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
        this.rate = Objects.requireNonNull(rate, "rate");
    }

    /** Whether {@code owner} may create one more key now. */
    public Mono<Decision> acquire(String owner) {
        return redis.execute(
                        SCRIPT,
                        List.of(keyspace.portalCreations(owner)),
                        List.of(
                                Long.toString(rate.period().toMillis()),
                                Integer.toString(rate.limit())))
                .next()
                .map(
                        reply -> {
                            List<?> values = (List<?>) reply;
                            long allowed = ((Number) values.get(0)).longValue();
                            long ttl = Math.max(0, ((Number) values.get(1)).longValue());
                            return new Decision(allowed == 1, Duration.ofMillis(ttl));
                        });
    }

    /**
     * The answer for one attempt.
     *
     * @param allowed whether the attempt may go ahead (and was counted)
     * @param windowEndsIn how long until the count starts again
     */
    public record Decision(boolean allowed, Duration windowEndsIn) {}
}
