package dev.keygate.admin.pages;

import java.time.Duration;

/**
 * Durations as the pages (operator console, developer portal) write them: in the largest whole
 * unit, from days down to seconds; a duration with a fraction of a second stays ISO-8601.
 */
public final class DurationWords {

    private static final long MINUTE = 60;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private DurationWords() {}

    /** "1 day", "7 days", "1 hour", "10 minutes", "90 seconds". */
    public static String of(Duration duration) {
        return words(duration, false);
    }

    /** As after "per": "day", "hour", "second" for one of a unit, else as {@link #of}. */
    public static String per(Duration duration) {
        return words(duration, true);
    }

    private static String words(Duration duration, boolean dropOne) {
        long seconds = duration.getSeconds();
        if (duration.getNano() != 0 || seconds <= 0) {
            return duration.toString();
        }
        if (seconds % DAY == 0) {
            return count(seconds / DAY, "day", dropOne);
        }
        if (seconds % HOUR == 0) {
            return count(seconds / HOUR, "hour", dropOne);
        }
        if (seconds % MINUTE == 0) {
            return count(seconds / MINUTE, "minute", dropOne);
        }
        return count(seconds, "second", dropOne);
    }

    private static String count(long count, String unit, boolean dropOne) {
        if (count == 1) {
            return dropOne ? unit : "1 " + unit;
        }
        return count + " " + unit + "s";
    }
}
