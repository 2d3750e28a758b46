package dev.keygate.core.store;

import java.util.regex.Pattern;

/**
 * Names of everything Keygate keeps in Redis, under one namespace (default {@value
 * #DEFAULT_NAMESPACE}). Designed for Redis Cluster: each key's record has its id as hash tag, so
 * per-key scripts touch one slot; the owner index has the owner as hash tag.
 *
 * <table>
 *   <caption>Redis data model</caption>
 *   <tr><th>name</th><th>type</th><th>holds</th></tr>
 *   <tr><td>{@code <ns>:key:{<id>}}</td><td>hash</td><td>one key record</td></tr>
 *   <tr><td>{@code <ns>:owner:{<owner>}}</td><td>sorted set (all scores 0)</td><td>ids of the
 *       owner's keys, listed in id order</td></tr>
 *   <tr><td>{@code <ns>:epoch}</td><td>string (integer)</td><td>incremented by every change</td></tr>
 *   <tr><td>{@code <ns>:incarnation:{<ns>:epoch}}</td><td>string</td><td>a random id written once
 *       by the first change: a store that lost it (wiped, replaced) gets a new one</td></tr>
 *   <tr><td>{@code <ns>:invalidations}</td><td>pub/sub channel</td><td>{@code "<epoch> <id>"} after
 *       every change</td></tr>
 *   <tr><td>{@code <ns>:changes:{<ns>:epoch}}</td><td>sorted set (score = epoch), capped</td><td>the last
 *       changes as {@code "<epoch> <id>"}, so a subscriber that missed messages can catch
 *       up</td></tr>
 *   <tr><td>{@code <ns>:audit}</td><td>stream, capped</td><td>the admin API's audit trail</td></tr>
 *   <tr><td>{@code <ns>:limits:{<owner>}}</td><td>hash</td><td>the owner's shared limits
 *       ({@code rateLimit}, {@code quota}, {@code version})</td></tr>
 *   <tr><td>{@code <ns>:usage:{<owner>}:<counter>}</td><td>string (a GCRA's theoretical arrival
 *       time, microseconds) or hash ({@code p} period start, {@code n} used), with TTL</td><td>one
 *       limit's counter: {@code k:<id>:rate}, {@code k:<id>:quota}, {@code o:rate}, {@code
 *       o:quota}, {@code k:<id>:route:<route>:rate}; all of an owner's counters share the owner's
 *       slot, so one script checks a key's and its owner's limits together</td></tr>
 *   <tr><td>{@code <ns>:gateways:{<ns>:epoch}}</td><td>sorted set (score = when the heartbeat
 *       expires, Redis time in ms)</td><td>the gateway nodes, by node id; a node whose score is
 *       past is dead</td></tr>
 *   <tr><td>{@code <ns>:gateways:info:{<ns>:epoch}}</td><td>hash</td><td>per node id, one line:
 *       host, version, start time, last applied epoch, when its epoch was last confirmed,
 *       cache size and hit ratio, last heartbeat</td></tr>
 *   <tr><td>{@code <ns>:applied}</td><td>pub/sub channel</td><td>{@code "<node id> <epoch>"} when
 *       a gateway has applied the changes up to that epoch</td></tr>
 *   <tr><td>{@code <ns>:usage:{<owner>}:k:<id>:seen}</td><td>hash, TTL the usage
 *       retention</td><td>when the key was last used: {@code last} (epoch ms, any secret), {@code
 *       h:<fingerprint>} (per secret, the few most recent), {@code s:<scope>} (the last time a
 *       called route required the scope)</td></tr>
 *   <tr><td>{@code <ns>:usage:{<owner>}:k:<id>:d:<yyyy-mm-dd>}</td><td>string (integer), TTL the
 *       retention and a day</td><td>requests forwarded with the key on that UTC day, all gateways
 *       together</td></tr>
 *   <tr><td>{@code <ns>:idem:{<slot>}}</td><td>string with TTL</td><td>one admin idempotency key's
 *       claim or encrypted answer</td></tr>
 * </table>
 *
 * @param namespace prefix of every Redis key and channel, {@code [a-z][a-z0-9-]{0,31}}
 */
public record RedisKeyspace(String namespace) {

    /** The namespace used when none is configured. */
    public static final String DEFAULT_NAMESPACE = "kg";

    /**
     * What a namespace may be: the one definition, also used by the properties of both apps in
     * their {@code @Pattern} constraints.
     */
    public static final String NAMESPACE_PATTERN = "[a-z][a-z0-9-]{0,31}";

    private static final Pattern NAMESPACE = Pattern.compile(NAMESPACE_PATTERN);

    public RedisKeyspace {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException(
                    "Redis namespace must match "
                            + NAMESPACE.pattern()
                            + " but was '"
                            + namespace
                            + "'");
        }
    }

    /** The default keyspace, {@value #DEFAULT_NAMESPACE}. */
    public static RedisKeyspace defaults() {
        return new RedisKeyspace(DEFAULT_NAMESPACE);
    }

    /** The hash that holds one key's record: {@code <ns>:key:{<id>}}. */
    public String key(String id) {
        return namespace + ":key:{" + id + "}";
    }

    /** The sorted set of an owner's key ids: {@code <ns>:owner:{<owner>}}. */
    public String ownerIndex(String owner) {
        return namespace + ":owner:{" + owner + "}";
    }

    /** The owner's shared limits: {@code <ns>:limits:{<owner>}}, in the owner's slot. */
    public String ownerLimits(String owner) {
        return namespace + ":limits:{" + owner + "}";
    }

    /**
     * One limit counter of {@code owner} or of one of its keys: {@code
     * <ns>:usage:{<owner>}:<counter>}. Every counter a request touches has the owner as hash tag.
     */
    public String usage(String owner, String counter) {
        return namespace + ":usage:{" + owner + "}:" + counter;
    }

    /** The suffix of a key's usage hash, after {@code k:<id>}. */
    public static final String USAGE_SEEN_SUFFIX = ":seen";

    /** The infix of a key's daily counter, between {@code k:<id>} and the ISO date. */
    public static final String USAGE_DAY_INFIX = ":d:";

    /**
     * When a key was last used (hash): {@code <ns>:usage:{<owner>}:k:<id>:seen}, in the owner's
     * slot beside its limit counters.
     */
    public String usageSeen(String owner, String id) {
        return usage(owner, "k:" + id + USAGE_SEEN_SUFFIX);
    }

    /**
     * A key's requests on one UTC day (string counter): {@code
     * <ns>:usage:{<owner>}:k:<id>:d:<yyyy-mm-dd>}.
     */
    public String usageDay(String owner, String id, java.time.LocalDate day) {
        return usage(owner, "k:" + id + USAGE_DAY_INFIX + day);
    }

    /**
     * The developer portal's count of an owner's key creations in the current window (string
     * counter with a TTL): {@code <ns>:portal:creations:{<owner>}}.
     */
    public String portalCreations(String owner) {
        return namespace + ":portal:creations:{" + owner + "}";
    }

    /** The change counter: {@code <ns>:epoch}. */
    public String epoch() {
        return namespace + ":epoch";
    }

    /**
     * The log of recent changes: {@code <ns>:changes:{<ns>:epoch}}. Its hash tag is the epoch's
     * name, so on Redis Cluster it lives in the epoch's slot and one script updates both.
     */
    public String changes() {
        return namespace + ":changes:{" + epoch() + "}";
    }

    /**
     * The store's incarnation id: {@code <ns>:incarnation:{<ns>:epoch}}, in the epoch's slot, so
     * one script sets it with the epoch and one command reads both.
     */
    public String incarnation() {
        return namespace + ":incarnation:{" + epoch() + "}";
    }

    /** The admin API's audit stream: {@code <ns>:audit}. */
    public String audit() {
        return namespace + ":audit";
    }

    /**
     * One admin idempotency entry: {@code <ns>:idem:{<slot>}}, the slot (a digest of the caller and
     * the idempotency key) as hash tag.
     */
    public String idempotency(String slot) {
        return namespace + ":idem:{" + slot + "}";
    }

    /**
     * The live gateway nodes: {@code <ns>:gateways:{<ns>:epoch}}, a sorted set whose scores are
     * heartbeat expiry times; in the epoch's slot, so one script reads the nodes with the epoch.
     */
    public String gateways() {
        return namespace + ":gateways:{" + epoch() + "}";
    }

    /** What each gateway node last reported: {@code <ns>:gateways:info:{<ns>:epoch}}. */
    public String gatewayInfo() {
        return namespace + ":gateways:info:{" + epoch() + "}";
    }

    /** The channel on which gateways say which epoch they have applied: {@code <ns>:applied}. */
    public String appliedChannel() {
        return namespace + ":applied";
    }

    /** The invalidation channel: {@code <ns>:invalidations}. */
    public String channel() {
        return namespace + ":invalidations";
    }
}
