package dev.keygate.core.node;

import dev.keygate.core.store.RedisKeyspace;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * The gateway nodes in Redis: each gateway reports itself (its heartbeat, with the last epoch it
 * has applied) and is live until its heartbeat expires; the admin API reads the live ones with the
 * current epoch. Both keys ({@link RedisKeyspace#gateways()}, {@link RedisKeyspace#gatewayInfo()})
 * are in the epoch's slot, so each operation is one script on one slot, Cluster included.
 *
 * <p>Times are Redis's ({@code TIME} in the scripts): a node's expiry, its heartbeat and when it
 * last confirmed its epoch (sent as "how long ago", placed on Redis's clock) are never compared
 * with another machine's clock.
 *
 * <p>Thread-safe and non-blocking. Errors are passed on; the callers decide (a gateway's report
 * that fails is retried at its next heartbeat; the admin API's receipts say what they could not
 * learn).
 */
public final class RedisGatewayRegistry {

    private static final RedisScript<Long> REPORT = script("report.lua", Long.class);

    private static final RedisScript<Long> LEAVE = script("leave.lua", Long.class);

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> READ = script("read.lua", List.class);

    private final ReactiveStringRedisTemplate redis;
    private final RedisKeyspace keyspace;

    public RedisGatewayRegistry(ReactiveStringRedisTemplate redis, RedisKeyspace keyspace) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
    }

    private static <T> RedisScript<T> script(String name, Class<T> type) {
        return RedisScript.of(new ClassPathResource("dev/keygate/core/node/" + name), type);
    }

    /**
     * Records {@code report} as the node's heartbeat, live for {@code ttl} from now, and forgets
     * nodes whose heartbeat has expired.
     *
     * @param publish whether to also publish {@code "<node id> <applied epoch>"} on {@link
     *     RedisKeyspace#appliedChannel()}, for whoever waits for that epoch
     */
    public Mono<Void> report(NodeReport report, Duration ttl, boolean publish) {
        Duration since = report.sinceConfirmed();
        return redis.execute(
                        REPORT,
                        List.of(keyspace.gateways(), keyspace.gatewayInfo()),
                        List.of(
                                report.id(),
                                Long.toString(Math.max(1, ttl.toMillis())),
                                Long.toString(report.appliedEpoch()),
                                since == null ? "-1" : Long.toString(since.toMillis()),
                                Long.toString(report.startedAt().toEpochMilli()),
                                Long.toString(report.cacheSize()),
                                String.format(Locale.ROOT, "%.4f", report.hitRatio()),
                                report.host(),
                                report.version(),
                                keyspace.appliedChannel(),
                                publish ? "1" : "0"))
                .then();
    }

    /** Removes the node at once (a gateway that stops), instead of when its heartbeat expires. */
    public Mono<Void> leave(String nodeId) {
        return redis.execute(
                        LEAVE,
                        List.of(keyspace.gateways(), keyspace.gatewayInfo()),
                        List.of(nodeId))
                .then();
    }

    /** The live nodes (at most 1,000), the current epoch and Redis's time, in one read. */
    public Mono<GatewayFleet> read() {
        return redis.execute(
                        READ,
                        List.of(keyspace.gateways(), keyspace.gatewayInfo(), keyspace.epoch()),
                        List.of())
                .next()
                .map(RedisGatewayRegistry::fleet);
    }

    private static GatewayFleet fleet(List<?> reply) {
        Instant now = Instant.ofEpochMilli(Long.parseLong(String.valueOf(reply.get(0))));
        long epoch = Long.parseLong(String.valueOf(reply.get(1)));
        List<GatewayNode> nodes = new ArrayList<>();
        for (int i = 2; i + 1 < reply.size(); i += 2) {
            GatewayNode node = node(String.valueOf(reply.get(i)), String.valueOf(reply.get(i + 1)));
            if (node != null) {
                nodes.add(node);
            }
        }
        nodes.sort(Comparator.comparing(GatewayNode::id));
        return new GatewayFleet(now, epoch, nodes);
    }

    /**
     * One node's info, {@code "<applied> <confirmedAt|-> <heartbeatAt> <expiresAt> <startedAt>
     * <cacheSize> <hitRatio> <host> <version>"} (see {@code report.lua}); {@code null} when it is
     * missing or unreadable (a node being removed between the two reads of the script cannot
     * happen, but a hand-edited entry can), so that one bad entry does not hide the others.
     */
    static GatewayNode node(String id, String info) {
        String[] f = info.split(" ");
        if (f.length != 9) {
            return null;
        }
        try {
            return new GatewayNode(
                    id,
                    f[7],
                    f[8],
                    Instant.ofEpochMilli(Long.parseLong(f[4])),
                    Long.parseLong(f[0]),
                    "-".equals(f[1]) ? null : Instant.ofEpochMilli(Long.parseLong(f[1])),
                    Instant.ofEpochMilli(Long.parseLong(f[2])),
                    Instant.ofEpochMilli(Long.parseLong(f[3])),
                    Long.parseLong(f[5]),
                    Double.parseDouble(f[6]));
        } catch (NumberFormatException ex) {
            return null;
        }
    }
}
