package dev.keygate.core.limit;

import java.time.Duration;

/**
 * A rate limit: a bucket refilled with {@code requests} every {@code per}, holding at most {@code
 * burst} (enforced as a GCRA, the token bucket's one-number form: see {@code limits.lua}).
 *
 * @param requests how many requests are refilled every {@code per}, 1 to {@value #MAX_REQUESTS},
 *     and at most {@value #MAX_PER_SECOND} a second ({@code requests / per})
 * @param per the refill period, whole seconds from {@code PT1S} to {@code P1D}
 * @param burst the most requests that can be sent at once, from 1 to {@value #MAX_REQUESTS}
 */
public record RateLimit(long requests, Duration per, long burst) {

    /** The largest request count a limit can name. */
    public static final long MAX_REQUESTS = 1_000_000_000L;

    /**
     * The fastest rate a limit can name, requests a second: one every microsecond, the resolution
     * of the script's clock.
     */
    public static final long MAX_PER_SECOND = 1_000_000L;

    /** The shortest refill period. */
    public static final Duration MIN_PER = Duration.ofSeconds(1);

    /** The longest refill period. */
    public static final Duration MAX_PER = Duration.ofDays(1);

    public RateLimit {
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw new IllegalArgumentException(
                    "requests must be 1 to " + MAX_REQUESTS + ": " + requests);
        }
        if (per == null
                || per.compareTo(MIN_PER) < 0
                || per.compareTo(MAX_PER) > 0
                || per.getNano() != 0) {
            throw new IllegalArgumentException(
                    "per must be whole seconds from PT1S to P1D: " + per);
        }
        if (requests > MAX_PER_SECOND * per.toSeconds()) {
            throw new IllegalArgumentException(
                    "at most "
                            + MAX_PER_SECOND
                            + " requests a second: "
                            + requests
                            + " per "
                            + per);
        }
        if (burst < 1 || burst > MAX_REQUESTS) {
            throw new IllegalArgumentException("burst must be 1 to " + MAX_REQUESTS + ": " + burst);
        }
    }

    /** {@code requests} every {@code per}, with a burst of {@code requests}. */
    public static RateLimit of(long requests, Duration per) {
        return new RateLimit(requests, per, requests);
    }

    /** As stored: {@code "<requests> <per seconds> <burst>"}. */
    public String encoded() {
        return requests + " " + per.toSeconds() + " " + burst;
    }

    /** Reads {@link #encoded()}. */
    public static RateLimit decode(String encoded) {
        String[] parts = encoded.split(" ");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a rate limit: '" + encoded + "'");
        }
        return new RateLimit(
                Long.parseLong(parts[0]),
                Duration.ofSeconds(Long.parseLong(parts[1])),
                Long.parseLong(parts[2]));
    }
}
