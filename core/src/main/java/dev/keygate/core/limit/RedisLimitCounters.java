package dev.keygate.core.limit;

import dev.keygate.core.store.RedisKeyspace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * The limit counters in Redis: the one script that checks and counts a request against all its
 * limits ({@code limits.lua}), the read-only usage view ({@code usage.lua}), the counters' names
 * and their removal. All of an owner's counters, and its keys' counters, have the owner as hash
 * tag: one slot on Redis Cluster, so one script covers a key's and its owner's limits. Time is
 * Redis's ({@code TIME}), never the caller's. Non-blocking; thread-safe.
 */
public final class RedisLimitCounters {

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> LIMITS = script("limits.lua");

    @SuppressWarnings("rawtypes")
    private static final RedisScript<List> USAGE = script("usage.lua");

    private static final byte[] LIMITS_SOURCE =
            LIMITS.getScriptAsString().getBytes(StandardCharsets.UTF_8);

    private final ReactiveStringRedisTemplate redis;
    private final RedisKeyspace keyspace;
    private volatile ReactiveRedisConnection connection;

    public RedisLimitCounters(ReactiveStringRedisTemplate redis, RedisKeyspace keyspace) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
    }

    /** {@code prelude.lua} and then the script: the shared constants and calendar come first. */
    @SuppressWarnings("rawtypes")
    private static RedisScript<List> script(String name) {
        return RedisScript.of(source("prelude.lua") + source(name), List.class);
    }

    private static String source(String name) {
        try {
            return new ClassPathResource("dev/keygate/core/limit/" + name)
                    .getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read " + name, ex);
        }
    }

    /** The counter of a key's rate limit. */
    public String keyRate(String owner, String id) {
        return keyspace.usage(owner, "k:" + id + ":rate");
    }

    /** The counter of a key's quota. */
    public String keyQuota(String owner, String id) {
        return keyspace.usage(owner, "k:" + id + ":quota");
    }

    /** The counter of a key's rate limit on one route (a route's {@code keygate.rate-limit}). */
    public String keyRouteRate(String owner, String id, String route) {
        return keyspace.usage(owner, "k:" + id + ":route:" + route + ":rate");
    }

    /** The counter of the owner's shared rate limit. */
    public String ownerRate(String owner) {
        return keyspace.usage(owner, "o:rate");
    }

    /** The counter of the owner's shared quota. */
    public String ownerQuota(String owner) {
        return keyspace.usage(owner, "o:quota");
    }

    /**
     * Checks {@code cost} requests against every check, in one script: counted in every counter
     * only when every check allows them, or always with {@code force} (reconciling requests a
     * gateway already let through on its own).
     *
     * @param checks all with counters of one owner (one slot)
     * @param timeShiftMicros added to Redis's clock: 0 outside tests
     */
    public Mono<LimitVerdict> check(
            List<LimitCheck> checks, long cost, boolean force, long timeShiftMicros) {
        if (checks.isEmpty()) {
            return Mono.error(new IllegalArgumentException("nothing to check"));
        }
        List<String> keys = new ArrayList<>(checks.size());
        List<String> args = new ArrayList<>(3 + 3 * checks.size());
        args.add(Long.toString(timeShiftMicros));
        args.add(Long.toString(cost));
        args.add(force ? "1" : "0");
        for (LimitCheck check : checks) {
            keys.add(check.counter());
            if (check.isQuota()) {
                args.add("q");
                args.add(Long.toString(check.quota().requests()));
                args.add(check.quota().period().value());
            } else {
                args.add("r");
                args.add(interval(check.rateLimit()));
                args.add(Long.toString(check.rateLimit().burst()));
            }
        }
        return limits(keys, args).map(reply -> verdict(checks, reply));
    }

    /**
     * Runs {@code limits.lua} on one reactive connection kept for the purpose (the shared native
     * connection underneath), with the arguments encoded once: this is on the request path of every
     * limited request, and the template's {@code execute} opens and closes a connection wrapper and
     * runs its serializers per call. {@code EVALSHA} first, {@code EVAL} when Redis does not have
     * the script (a restart, a failover), as the template does.
     */
    private Mono<List<?>> limits(List<String> keys, List<String> args) {
        ReactiveRedisConnection connection = connection();
        int numKeys = keys.size();
        Mono<List<?>> evalSha =
                connection
                        .scriptingCommands()
                        .<List<?>>evalSha(
                                LIMITS.getSha1(), ReturnType.MULTI, numKeys, encoded(keys, args))
                        .next();
        return evalSha.onErrorResume(
                RedisLimitCounters::isNoScript,
                error ->
                        connection
                                .scriptingCommands()
                                .<List<?>>eval(
                                        ByteBuffer.wrap(LIMITS_SOURCE),
                                        ReturnType.MULTI,
                                        numKeys,
                                        encoded(keys, args))
                                .next());
    }

    private ReactiveRedisConnection connection() {
        ReactiveRedisConnection connection = this.connection;
        if (connection == null) {
            synchronized (this) {
                connection = this.connection;
                if (connection == null) {
                    connection =
                            Objects.requireNonNull(
                                            redis.getConnectionFactory(), "connection factory")
                                    .getReactiveConnection();
                    this.connection = connection;
                }
            }
        }
        return connection;
    }

    private static ByteBuffer[] encoded(List<String> keys, List<String> args) {
        ByteBuffer[] out = new ByteBuffer[keys.size() + args.size()];
        int i = 0;
        for (String key : keys) {
            out[i++] = ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8));
        }
        for (String arg : args) {
            out[i++] = ByteBuffer.wrap(arg.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static boolean isNoScript(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (String.valueOf(cause.getMessage()).contains("NOSCRIPT")) {
                return true;
            }
        }
        return false;
    }

    private static LimitVerdict verdict(List<LimitCheck> checks, List<?> reply) {
        int n = checks.size();
        if (reply.size() != 2 + 3 * n) {
            throw new IllegalStateException(
                    "the limit script answered " + reply.size() + " values");
        }
        long[] remaining = new long[n];
        long[] reset = new long[n];
        boolean[] violated = new boolean[n];
        for (int i = 0; i < n; i++) {
            remaining[i] = number(reply.get(2 + 3 * i));
            reset[i] = number(reply.get(3 + 3 * i));
            violated[i] = number(reply.get(4 + 3 * i)) == 1;
        }
        return new LimitVerdict(
                checks,
                (int) number(reply.get(0)) - 1,
                Duration.ofMillis(number(reply.get(1))),
                remaining,
                reset,
                violated);
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }

    /** Microseconds between two requests of a rate limit, as the script takes it. */
    private static String interval(RateLimit limit) {
        return Double.toString(limit.per().toNanos() / 1000.0 / limit.requests());
    }

    /** What the counters {@code rate} and {@code quota} hold for {@code limits}, now. */
    public Mono<LimitUsage> usage(String rate, String quota, UsageLimits limits) {
        if (limits.isEmpty()) {
            return Mono.just(LimitUsage.NONE);
        }
        RateLimit rateLimit = limits.rateLimit();
        Quota quotaLimit = limits.quota();
        return redis.execute(
                        USAGE,
                        List.of(rate, quota),
                        List.of(
                                rateLimit == null ? "" : interval(rateLimit),
                                rateLimit == null ? "0" : Long.toString(rateLimit.burst()),
                                quotaLimit == null ? "" : quotaLimit.period().value()))
                .next()
                .map(
                        reply -> {
                            long rateRemaining = number(reply.get(0));
                            long used = number(reply.get(1));
                            long resetsAt = number(reply.get(2));
                            return new LimitUsage(
                                    rateLimit == null ? null : rateRemaining,
                                    quotaLimit == null
                                            ? null
                                            : new LimitUsage.QuotaUsage(
                                                    used,
                                                    Math.max(0, quotaLimit.requests() - used),
                                                    Instant.ofEpochSecond(resetsAt)));
                        });
    }

    /** A key's usage: its own limits' counters. */
    public Mono<LimitUsage> keyUsage(String owner, String id, UsageLimits limits) {
        return usage(keyRate(owner, id), keyQuota(owner, id), limits);
    }

    /** The owner's usage of its shared limits. */
    public Mono<LimitUsage> ownerUsage(String owner, UsageLimits limits) {
        return usage(ownerRate(owner), ownerQuota(owner), limits);
    }

    /**
     * Deletes a removed key's counters (its per-route counters expire by themselves within a day).
     */
    public Mono<Long> deleteKeyCounters(String owner, String id) {
        return redis.delete(keyRate(owner, id), keyQuota(owner, id));
    }

    /** Deletes the owner's shared counters (its limits were removed). */
    public Mono<Long> deleteOwnerCounters(String owner) {
        return redis.delete(ownerRate(owner), ownerQuota(owner));
    }
}
