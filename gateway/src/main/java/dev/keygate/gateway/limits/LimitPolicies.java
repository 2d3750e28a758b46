package dev.keygate.gateway.limits;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.limit.LimitCheck;
import dev.keygate.core.limit.LimitVerdict;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.gateway.authentication.Refusal;
import dev.keygate.gateway.authentication.RouteRequirements;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which limits apply to a request, and how the answer reads: shared by both {@link UsageLimiter}s.
 *
 * <table>
 *   <caption>Policies, as the RateLimit fields name them</caption>
 *   <tr><th>name</th><th>limit</th><th>counter</th></tr>
 *   <tr><td>{@code key}</td><td>the key's rate limit, else {@code default-rate-limit}</td><td>per key</td></tr>
 *   <tr><td>{@code key-quota}</td><td>the key's quota, else {@code default-quota}</td><td>per key</td></tr>
 *   <tr><td>{@code owner}</td><td>the owner's rate limit</td><td>per owner, shared by its keys</td></tr>
 *   <tr><td>{@code owner-quota}</td><td>the owner's quota</td><td>per owner, shared by its keys</td></tr>
 *   <tr><td>{@code route}</td><td>the route's {@code keygate.rate-limit}</td><td>per key and route</td></tr>
 * </table>
 *
 * Immutable and thread-safe.
 */
final class LimitPolicies {

    static final String KEY = "key";
    static final String KEY_QUOTA = "key-quota";
    static final String OWNER = "owner";
    static final String OWNER_QUOTA = "owner-quota";
    static final String ROUTE = "route";

    private final RedisLimitCounters counters;
    private final UsageLimits defaults;
    private final boolean headers;
    private final Clock clock;

    LimitPolicies(RedisLimitCounters counters, UsageLimits defaults, boolean headers, Clock clock) {
        this.counters = Objects.requireNonNull(counters, "counters");
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.headers = headers;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The checks for one request, all in the owner's slot; empty when no limit applies. */
    List<LimitCheck> checks(KeyRecord record, RouteRequirements route, String routeId) {
        UsageLimits own = record.limits();
        UsageLimits owner = record.ownerLimits();
        RateLimit keyRate = own.rateLimit() != null ? own.rateLimit() : defaults.rateLimit();
        Quota keyQuota = own.quota() != null ? own.quota() : defaults.quota();
        RateLimit routeRate = route.rateLimit();
        if (keyRate == null
                && keyQuota == null
                && owner.isEmpty()
                && (routeRate == null || routeId == null)) {
            return List.of();
        }
        String o = record.owner();
        String id = record.id();
        List<LimitCheck> checks = new ArrayList<>(4);
        if (keyRate != null) {
            checks.add(LimitCheck.rate(KEY, counters.keyRate(o, id), keyRate));
        }
        if (routeRate != null && routeId != null) {
            checks.add(LimitCheck.rate(ROUTE, counters.keyRouteRate(o, id, routeId), routeRate));
        }
        if (owner.rateLimit() != null) {
            checks.add(LimitCheck.rate(OWNER, counters.ownerRate(o), owner.rateLimit()));
        }
        if (keyQuota != null) {
            checks.add(LimitCheck.quota(KEY_QUOTA, counters.keyQuota(o, id), keyQuota));
        }
        if (owner.quota() != null) {
            checks.add(LimitCheck.quota(OWNER_QUOTA, counters.ownerQuota(o), owner.quota()));
        }
        return checks;
    }

    /** The outcome of a script's verdict: allowed or 429, with the header fields. */
    LimitOutcome outcome(LimitVerdict verdict) {
        return outcome(
                verdict.checks(),
                verdict.remaining(),
                verdict.resetSeconds(),
                verdict.allowed() ? null : verdict.violated(),
                verdict.retryAfter());
    }

    /**
     * The outcome from a state (a verdict, or a local estimate): allowed when {@code violated} is
     * {@code null}, else 429 naming the checks it marks, quota-exceeded when one of them is a
     * quota.
     */
    LimitOutcome outcome(
            List<LimitCheck> checks,
            long[] remaining,
            long[] reset,
            boolean[] violated,
            Duration retryAfter) {
        Refusal refusal = null;
        if (violated != null) {
            List<String> policies = new ArrayList<>(2);
            boolean quota = false;
            for (int i = 0; i < checks.size(); i++) {
                if (violated[i]) {
                    policies.add(checks.get(i).policy());
                    quota |= checks.get(i).isQuota();
                }
            }
            refusal =
                    Refusal.overLimit(
                            quota ? Refusal.Reason.QUOTA_EXCEEDED : Refusal.Reason.RATE_LIMITED,
                            retryAfter,
                            policies);
        }
        if (!headers) {
            return refusal == null ? LimitOutcome.UNLIMITED : new LimitOutcome(refusal, null, null);
        }
        return new LimitOutcome(refusal, policyField(checks), stateField(checks, remaining, reset));
    }

    /**
     * {@code RateLimit-Policy}: {@code "key";q=100;w=1;keygate-burst=200,
     * "key-quota";q=1000;w=86400} (the burst as a vendor parameter when it differs from {@code q}).
     */
    String policyField(List<LimitCheck> checks) {
        StringBuilder out = new StringBuilder(48 * checks.size());
        for (LimitCheck check : checks) {
            if (!out.isEmpty()) {
                out.append(", ");
            }
            out.append('"').append(check.policy()).append("\";q=").append(check.limit());
            if (check.isQuota()) {
                out.append(";w=").append(window(check.quota().period()));
            } else {
                RateLimit rate = check.rateLimit();
                out.append(";w=").append(rate.per().toSeconds());
                if (rate.burst() != rate.requests()) {
                    out.append(";keygate-burst=").append(rate.burst());
                }
            }
        }
        return out.toString();
    }

    /** {@code RateLimit}: {@code "key";r=57;t=1, "key-quota";r=990;t=43210}. */
    static String stateField(List<LimitCheck> checks, long[] remaining, long[] reset) {
        StringBuilder out = new StringBuilder(32 * checks.size());
        for (int i = 0; i < checks.size(); i++) {
            if (!out.isEmpty()) {
                out.append(", ");
            }
            out.append('"')
                    .append(checks.get(i).policy())
                    .append("\";r=")
                    .append(Math.max(0, remaining[i]))
                    .append(";t=")
                    .append(Math.max(0, reset[i]));
        }
        return out.toString();
    }

    /**
     * A quota's window in seconds: a day, or the current UTC month's length (only what the header
     * says; the count itself follows Redis's clock).
     */
    private long window(Quota.Period period) {
        if (period == Quota.Period.DAY) {
            return 86_400;
        }
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        return today.lengthOfMonth() * 86_400L;
    }
}
