package dev.keygate.core.usage;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Usage tracking shared by the gateway (which writes usage with this retention as TTL) and the
 * admin API (which reads it within this window), under keygate.usage. Both apps must be given the
 * same value.
 *
 * @param retention how long usage is kept: daily request counts, and the last time each secret and
 *     each scope was used. Must be positive; whole days make sense
 */
@ConfigurationProperties("keygate.usage")
public record UsageProperties(@DefaultValue("90d") Duration retention) {

    public UsageProperties {
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException(
                    "keygate.usage.retention must be positive but was " + retention);
        }
    }

    /** The defaults: 90 days of retention. */
    public static UsageProperties defaults() {
        return new UsageProperties(Duration.ofDays(90));
    }

    /** Whole days of retention, at least one. */
    public long retentionDays() {
        return Math.max(1, retention.toDays());
    }
}
