package dev.keygate.core.limit;

/**
 * The limits set on one key or one owner: either may be absent ({@code null}).
 *
 * @param rateLimit the rate limit, or {@code null} for none
 * @param quota the quota, or {@code null} for none
 */
public record UsageLimits(RateLimit rateLimit, Quota quota) {

    /** No limit at all. */
    public static final UsageLimits NONE = new UsageLimits(null, null);

    /** Whether neither limit is set. */
    public boolean isEmpty() {
        return rateLimit == null && quota == null;
    }

    /** Canonical: {@link #NONE} for no limits. */
    public static UsageLimits of(RateLimit rateLimit, Quota quota) {
        return rateLimit == null && quota == null ? NONE : new UsageLimits(rateLimit, quota);
    }

    public UsageLimits withRateLimit(RateLimit rateLimit) {
        return of(rateLimit, quota);
    }

    public UsageLimits withQuota(Quota quota) {
        return of(rateLimit, quota);
    }
}
