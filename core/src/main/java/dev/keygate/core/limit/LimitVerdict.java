package dev.keygate.core.limit;

import java.time.Duration;
import java.util.List;

/**
 * What the limit script answered for one request: allowed, or which check refused it and how long
 * to wait; and for each check, in the order given, what remains.
 *
 * @param checks the checks, as given
 * @param refusedBy the index of the first check that refused, or -1 when allowed
 * @param retryAfter how long until every refusing limit would allow the request; zero when allowed
 * @param remaining per check: requests left (a rate limit's tokens, a quota's rest)
 * @param resetSeconds per check: seconds until more is available: a rate limit's next request (0
 *     when its bucket is full), a quota's period end
 * @param violated per check: whether it refused
 */
public record LimitVerdict(
        List<LimitCheck> checks,
        int refusedBy,
        Duration retryAfter,
        long[] remaining,
        long[] resetSeconds,
        boolean[] violated) {

    /** Whether every check allowed the request. */
    public boolean allowed() {
        return refusedBy < 0;
    }

    /** The check that refused, or {@code null}. */
    public LimitCheck refusal() {
        return refusedBy < 0 ? null : checks.get(refusedBy);
    }
}
