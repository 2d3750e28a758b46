package dev.keygate.core.limit;

import java.util.Locale;

/**
 * A quota: at most {@code requests} per UTC calendar {@code period}, counted from the start of each
 * day or month.
 *
 * @param requests how many requests a period allows, 1 to {@value RateLimit#MAX_REQUESTS}
 * @param period when the count starts again
 */
public record Quota(long requests, Period period) {

    public Quota {
        if (requests < 1 || requests > RateLimit.MAX_REQUESTS) {
            throw new IllegalArgumentException(
                    "requests must be 1 to " + RateLimit.MAX_REQUESTS + ": " + requests);
        }
        if (period == null) {
            throw new IllegalArgumentException("a quota needs a period");
        }
    }

    /** As stored: {@code "<requests> <day|month>"}. */
    public String encoded() {
        return requests + " " + period.value();
    }

    /** Reads {@link #encoded()}. */
    public static Quota decode(String encoded) {
        String[] parts = encoded.split(" ");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not a quota: '" + encoded + "'");
        }
        return new Quota(Long.parseLong(parts[0]), Period.parse(parts[1]));
    }

    /** The UTC calendar periods a quota can count over. */
    public enum Period {
        DAY,
        MONTH;

        /** {@code day} or {@code month}, as shown and stored. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads {@link #value()}. */
        public static Period parse(String value) {
            for (Period period : values()) {
                if (period.value().equals(value)) {
                    return period;
                }
            }
            throw new IllegalArgumentException(
                    "a quota period is 'day' or 'month', not '" + value + "'");
        }
    }
}
