package dev.keygate.core.limit;

import java.util.Objects;

/**
 * One limit a request is checked against: the policy's name (as the {@code RateLimit} header fields
 * show it), the Redis counter, and the limit itself (exactly one of the two).
 *
 * @param policy the policy's name, e.g. {@code key}, {@code owner-quota}
 * @param counter the counter's Redis key (see {@code RedisKeyspace#usage})
 * @param rateLimit the rate limit, or {@code null} when this is a quota
 * @param quota the quota, or {@code null} when this is a rate limit
 */
public record LimitCheck(String policy, String counter, RateLimit rateLimit, Quota quota) {

    public LimitCheck {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(counter, "counter");
        if ((rateLimit == null) == (quota == null)) {
            throw new IllegalArgumentException("a check is a rate limit or a quota: " + policy);
        }
    }

    public static LimitCheck rate(String policy, String counter, RateLimit rateLimit) {
        return new LimitCheck(policy, counter, Objects.requireNonNull(rateLimit), null);
    }

    public static LimitCheck quota(String policy, String counter, Quota quota) {
        return new LimitCheck(policy, counter, null, Objects.requireNonNull(quota));
    }

    /** Whether this is a quota (else a rate limit). */
    public boolean isQuota() {
        return quota != null;
    }

    /** The policy's quota as {@code RateLimit-Policy} shows it ({@code q}). */
    public long limit() {
        return isQuota() ? quota.requests() : rateLimit.requests();
    }
}
