package dev.keygate.core.node;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a gateway node says about itself in each heartbeat (see {@link RedisGatewayRegistry}).
 *
 * @param id the node id, {@value #ID_PATTERN}
 * @param host the host it runs on (characters other than letters, digits and {@code ._:-} are
 *     replaced by {@code _}, at most 255)
 * @param version its version (sanitized the same way, at most 64)
 * @param startedAt when it started
 * @param appliedEpoch the last epoch whose changes it has applied, at least 0
 * @param sinceConfirmed how long ago it last confirmed its epoch with Redis, {@code null} if never
 * @param cacheSize the keys in its cache
 * @param hitRatio its cache's hit ratio, 0 to 1 (NaN is reported as 0)
 */
public record NodeReport(
        String id,
        String host,
        String version,
        Instant startedAt,
        long appliedEpoch,
        Duration sinceConfirmed,
        long cacheSize,
        double hitRatio) {

    /** What a node id may be: no spaces (it is a word of the applied channel's messages). */
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";

    private static final Pattern ID = Pattern.compile(ID_PATTERN);

    public NodeReport {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "gateway node id must match " + ID_PATTERN + " but was '" + id + "'");
        }
        Objects.requireNonNull(startedAt, "startedAt");
        if (appliedEpoch < 0) {
            throw new IllegalArgumentException("applied epoch was " + appliedEpoch);
        }
        host = word(host, 255);
        version = word(version, 64);
        hitRatio = Double.isNaN(hitRatio) ? 0 : Math.max(0, Math.min(1, hitRatio));
    }

    /** Whether {@code id} can name a node. */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    private static String word(String value, int max) {
        if (value == null || value.isEmpty()) {
            return "unknown";
        }
        String clean = value.replaceAll("[^A-Za-z0-9._:-]", "_");
        return clean.length() > max ? clean.substring(0, max) : clean;
    }
}
