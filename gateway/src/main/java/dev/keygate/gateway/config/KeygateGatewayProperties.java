package dev.keygate.gateway.config;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.RedisKeyspace;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the Keygate gateway filter, under {@code keygate.gateway}.
 *
 * @param enabled whether the API-key filter is installed at all. Off means no authentication: only
 *     for gateways that protect nothing.
 * @param keyPrefix the prefix of accepted keys ({@code kg} by default); must match the admin API's
 * @param redisNamespace the namespace of Keygate's Redis keys and channel; must match the admin
 *     API's
 * @param credentials where the key may come from, and what is done with it afterwards
 * @param identityHeaders names of the headers that tell the upstream who called
 * @param cache the key cache
 * @param invalidation how revocations reach this gateway, and how stale it may become
 * @param corsPreflightPublic forward CORS preflight requests ({@code OPTIONS} with {@code Origin}
 *     and {@code Access-Control-Request-Method}) to the upstream without a key, so the upstream's
 *     own CORS policy answers them. Not when the gateway has a CORS configuration of its own
 *     (globalcors): then the gateway answers preflights itself
 * @param retryAfter the {@code Retry-After} sent with 503 when the key store is unavailable
 * @param realm the realm named in {@code WWW-Authenticate} challenges
 * @param throttle refusing clients that fail too often
 * @param firewall refusing request paths a router and an upstream could read differently
 * @param limits usage limits: rate limits and quotas per key, per owner and per route
 * @param node this gateway as a node of the registry the admin API reads (GET /v1/gateways and
 *     propagation receipts)
 * @param usage recording when and how much each key is used (for the admin API's usage views)
 * @param accessLog one line per request, proxied or refused, on the logger keygate.access
 * @param nodeId this gateway's name in {@code /actuator/keygate} and in the node registry; default
 *     {@code <hostname>-<pid>}
 */
@Validated
@ConfigurationProperties("keygate.gateway")
public record KeygateGatewayProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue(ApiKeyFormat.DEFAULT_PREFIX) @Pattern(regexp = ApiKeyFormat.PREFIX_PATTERN)
                String keyPrefix,
        @DefaultValue(RedisKeyspace.DEFAULT_NAMESPACE)
                @Pattern(regexp = RedisKeyspace.NAMESPACE_PATTERN)
                String redisNamespace,
        @DefaultValue @Valid @NotNull Credentials credentials,
        @DefaultValue @Valid @NotNull IdentityHeaders identityHeaders,
        @DefaultValue @Valid @NotNull Cache cache,
        @DefaultValue @Valid @NotNull Invalidation invalidation,
        @DefaultValue("true") boolean corsPreflightPublic,
        @DefaultValue("5s") @NotNull Duration retryAfter,
        @DefaultValue("keygate") @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String realm,
        @DefaultValue @Valid @NotNull Throttle throttle,
        @DefaultValue @Valid @NotNull Firewall firewall,
        @DefaultValue @Valid @NotNull Limits limits,
        @DefaultValue @Valid @NotNull Node node,
        @DefaultValue @Valid @NotNull Usage usage,
        @DefaultValue @Valid @NotNull AccessLog accessLog,
        @Pattern(regexp = "[A-Za-z0-9._-]{1,128}") String nodeId) {

    /**
     * Where a key may be presented. A request carrying two different keys is refused (400).
     *
     * @param authorizationSchemes {@code Authorization} schemes that carry a key, matched without
     *     regard to case
     * @param headers headers whose whole value is a key
     * @param queryParameters query parameters that carry a key; empty (the default) because URLs
     *     end up in logs, browser history and proxies. Enable per deployment only if clients cannot
     *     send headers.
     * @param strip remove the credential from the request before it goes upstream
     */
    public record Credentials(
            @DefaultValue({"Bearer", "Apikey"})
                    List<@Pattern(regexp = "[A-Za-z][A-Za-z0-9._~+/-]*") String>
                            authorizationSchemes,
            @DefaultValue("X-Api-Key") List<@Pattern(regexp = "[A-Za-z0-9-]+") String> headers,
            List<@Pattern(regexp = "[A-Za-z0-9._~-]+") String> queryParameters,
            @DefaultValue("true") boolean strip) {

        public Credentials {
            authorizationSchemes =
                    authorizationSchemes == null ? List.of() : List.copyOf(authorizationSchemes);
            headers = headers == null ? List.of() : List.copyOf(headers);
            queryParameters = queryParameters == null ? List.of() : List.copyOf(queryParameters);
        }
    }

    /**
     * Headers added to the request sent upstream for an authenticated caller, after the caller's
     * Connection header was applied, so naming them there cannot remove them. Any header of these
     * names sent by the client, in any case and with _ for -, is removed first, on every route, so
     * they cannot be spoofed.
     *
     * @param id the key id
     * @param owner the account that owns the key
     * @param scopes the key's scopes, comma-separated
     * @param organizations the key's organizations, comma-separated
     */
    public record IdentityHeaders(
            @DefaultValue("X-Api-Key-Id") @Pattern(regexp = "[A-Za-z0-9-]+") String id,
            @DefaultValue("X-Api-Key-Owner") @Pattern(regexp = "[A-Za-z0-9-]+") String owner,
            @DefaultValue("X-Api-Key-Scopes") @Pattern(regexp = "[A-Za-z0-9-]+") String scopes,
            @DefaultValue("X-Api-Key-Organizations") @Pattern(regexp = "[A-Za-z0-9-]+")
                    String organizations) {

        /** All four names. */
        public List<String> all() {
            return List.of(id, owner, scopes, organizations);
        }
    }

    /**
     * The key cache: Caffeine in front of Redis.
     *
     * @param maximumSize how many known keys to keep
     * @param maxAge the longest any entry is kept, whatever else happens: the backstop for a change
     *     whose announcement never left the writer. Each id gets between 90 % and 100 % of it (the
     *     same share every time), so keys loaded together are not all reloaded together
     * @param negativeMaximumSize how many unknown ids to remember, in a space of their own so a
     *     flood of made-up ids cannot evict real keys
     * @param negativeTtl how long an unknown id is remembered as unknown. Creating a key with that
     *     id purges it at once through the invalidation channel.
     */
    public record Cache(
            @DefaultValue("100000") @Positive long maximumSize,
            @DefaultValue("5m") @NotNull Duration maxAge,
            @DefaultValue("10000") @Positive long negativeMaximumSize,
            @DefaultValue("10s") @NotNull Duration negativeTtl) {}

    /**
     * Invalidation and the staleness bound.
     *
     * @param pollInterval how often the epoch is read, to catch lost messages
     * @param messageGrace after a poll shows an epoch not yet seen by message, how long to wait for
     *     the message before flushing the whole cache
     * @param maxStaleness when the epoch has not been confirmed for this long, cached entries are
     *     no longer trusted: every request reads Redis, and gets 503 if Redis does not answer. This
     *     is the bound on how long a revoked key can work under any fault.
     * @param commandTimeout how long a Redis read on the request path may take before the request
     *     is answered 503
     */
    public record Invalidation(
            @DefaultValue("1s") @NotNull Duration pollInterval,
            @DefaultValue("50ms") @NotNull Duration messageGrace,
            @DefaultValue("5s") @NotNull Duration maxStaleness,
            @DefaultValue("500ms") @NotNull Duration commandTimeout) {}

    /**
     * Failed-authentication throttling per client address.
     *
     * @param enabled answer 429 to the failed attempts of an address that failed too often in a
     *     minute. Valid keys from that address keep working.
     * @param maxFailuresPerMinute failed attempts (invalid, malformed or ambiguous keys; not
     *     missing ones) allowed per address per one-minute window
     * @param lookupsPerSecond while an address is over its limit, how many of its requests per
     *     second may still have a key id that is not in the cache looked up in Redis (429 beyond):
     *     enough for a valid key that is not cached yet, too few for a flood of made-up ids to load
     *     Redis
     * @param maximumAddresses how many addresses to track at once
     * @param trustedProxies IP addresses or CIDR blocks of proxies in front of the gateway; only
     *     for them is {@code X-Forwarded-For} believed. Empty (the default): the TCP peer is the
     *     client.
     */
    public record Throttle(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("30") @Positive int maxFailuresPerMinute,
            @DefaultValue("10") @PositiveOrZero int lookupsPerSecond,
            @DefaultValue("100000") @Positive long maximumAddresses,
            List<String> trustedProxies) {

        public Throttle {
            trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
        }
    }

    /**
     * The request firewall (Spring Security's StrictServerWebExchangeFirewall), run before any
     * route is matched: a request it refuses gets 400 rejected-request. Dot segments in any
     * encoding, double slashes, NUL and control characters are always refused.
     *
     * @param enabled refuse such requests. Off only behind a proxy that already normalises and
     *     refuses them, and with upstreams that read paths exactly as the gateway's routes do.
     * @param allowUrlEncodedSlash accept %2F in paths (some APIs put encoded slashes in
     *     identifiers); dot segments stay refused
     * @param allowUrlEncodedPercent accept %25 in paths (a double-encoding risk: only for upstreams
     *     that decode once)
     * @param allowSemicolon accept ; in paths (matrix parameters; Tomcat and Jetty drop what
     *     follows a ; in a segment before routing, so /public;x/../orders can read differently)
     * @param allowBackslash accept \ and %5C in paths (some servers read them as /)
     * @param allowedMethods the HTTP methods accepted; others are refused
     */
    public record Firewall(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("false") boolean allowUrlEncodedSlash,
            @DefaultValue("false") boolean allowUrlEncodedPercent,
            @DefaultValue("false") boolean allowSemicolon,
            @DefaultValue("false") boolean allowBackslash,
            @DefaultValue({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
                    List<@Pattern(regexp = "[A-Z][A-Z0-9_-]{0,31}") String> allowedMethods) {

        public Firewall {
            allowedMethods = allowedMethods == null ? List.of() : List.copyOf(allowedMethods);
        }
    }

    /**
     * Usage limits (rate limits and quotas). Limits are set per key and per owner through the admin
     * API, per route in route metadata ({@code keygate.rate-limit}); these are the gateway's side.
     *
     * @param enabled enforce limits at all; off, no request is counted or refused by a limit
     * @param mode {@code exact}: every limited request runs one script in Redis (one round trip);
     *     {@code local-then-sync}: each gateway decides from its own estimate and reconciles with
     *     Redis at most every {@code sync-interval}, faster but able to let a little more through
     *     (docs/benchmarks.md measures how much)
     * @param syncInterval in {@code local-then-sync} mode, the shortest time between two
     *     reconciliations of a counter: one near its limit is reconciled this often, one far from
     *     it less often (at least every 10 s while in use)
     * @param timeout how long the limit script may take before the request is decided without it
     *     (see {@code quota-on-failure})
     * @param quotaOnFailure when Redis does not answer in time: rate limits always let the request
     *     through (it was authenticated), quotas let it through ({@code open}, the default) or
     *     answer 503 ({@code closed})
     * @param headers send the {@code RateLimit} and {@code RateLimit-Policy} fields on every answer
     *     to a limited request, allowed or refused
     * @param defaultRateLimit the rate limit of keys without one of their own; none by default
     * @param defaultQuota the quota of keys without one of their own; none by default
     * @param maximumLocalCounters in {@code local-then-sync} mode, how many counters a gateway
     *     keeps
     */
    public record Limits(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("exact") @NotNull Mode mode,
            @DefaultValue("100ms") @NotNull Duration syncInterval,
            @DefaultValue("50ms") @NotNull Duration timeout,
            @DefaultValue("open") @NotNull FailureMode quotaOnFailure,
            @DefaultValue("true") boolean headers,
            @Valid RateLimitSpec defaultRateLimit,
            @Valid QuotaSpec defaultQuota,
            @DefaultValue("100000") @Positive long maximumLocalCounters) {

        /** The defaults as core values. */
        public UsageLimits defaults() {
            return UsageLimits.of(
                    defaultRateLimit == null ? null : defaultRateLimit.toRateLimit(),
                    defaultQuota == null ? null : defaultQuota.toQuota());
        }

        /** How limits are counted. */
        public enum Mode {
            EXACT,
            LOCAL_THEN_SYNC
        }

        /** What a limit whose counter cannot be read does. */
        public enum FailureMode {
            OPEN,
            CLOSED
        }
    }

    /**
     * Usage tracking: each gateway counts forwarded requests per key in memory and writes them to
     * Redis at most every flush interval (never one write per request). How long usage is kept is
     * keygate.usage.retention, shared with the admin API.
     *
     * @param enabled record usage at all; off, nothing is recorded or written
     * @param flushInterval how often usage is written to Redis; a gateway that crashes loses at
     *     most this much of its usage
     * @param maximumKeys how many keys one gateway keeps usage for between two flushes; requests of
     *     further keys are not recorded (counted in keygate.usage.dropped)
     */
    public record Usage(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("30s") @NotNull Duration flushInterval,
            @DefaultValue("100000") @Positive int maximumKeys) {}

    /**
     * A rate limit: {@code requests} every {@code per}, at most {@code burst} at once.
     *
     * @param requests refilled every {@code per}
     * @param per whole seconds from 1s to 1d
     * @param burst the bucket's size; default {@code requests}
     */
    public record RateLimitSpec(
            @NotNull @Min(1) @Max(RateLimit.MAX_REQUESTS) Long requests,
            @DefaultValue("1s") @NotNull Duration per,
            @Min(1) @Max(RateLimit.MAX_REQUESTS) Long burst) {

        RateLimit toRateLimit() {
            return new RateLimit(requests, per, burst == null ? requests : burst);
        }
    }

    /**
     * A quota: {@code requests} per UTC day or month.
     *
     * @param requests allowed per period
     * @param period {@code day} or {@code month}
     */
    public record QuotaSpec(
            @NotNull @Min(1) @Max(RateLimit.MAX_REQUESTS) Long requests,
            @DefaultValue("day") @NotNull Quota.Period period) {

        Quota toQuota() {
            return new Quota(requests, period);
        }
    }

    /**
     * This gateway in the node registry: it reports itself (host, version, start time, the last
     * epoch it has applied, cache size and hit ratio) every third of {@code ttl}, and at once,
     * coalesced, each time its applied epoch moves; the admin API waits for those reports to answer
     * a change with its propagation receipt.
     *
     * @param enabled register this gateway; off, it never holds up a receipt and is not listed
     * @param ttl how long after its last report a silent gateway counts as dead (it then no longer
     *     holds up receipts); at least 1s
     */
    public record Node(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("10s") @NotNull @DurationMin(seconds = 1) Duration ttl) {}

    /**
     * The access log: one line per request (proxied, refused by Keygate or the request firewall, or
     * not routed), written at INFO on the logger keygate.access by a thread of its own, never on
     * the event loop. It names the key by its id and owner, never the key or its secret. Off by
     * default in the library (an application that uses Keygate as a plugin opts in); the runnable
     * gateway turns it on.
     *
     * @param enabled write the access log at all. The logger keygate.access must also be at INFO
     *     (the default); at WARN or above the filter does nothing per request.
     * @param includeQuery log the query string after the path. Off by default: URLs carry what
     *     clients put in them. Credential query parameters (credentials.query-parameters) are
     *     removed from it even when on.
     * @param queueCapacity how many lines may wait for the writer thread; when the queue is full a
     *     line is dropped, counted in keygate.access_log.dropped, and the request is not slowed
     */
    public record AccessLog(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("false") boolean includeQuery,
            @DefaultValue("8192") @Positive int queueCapacity) {}
}
