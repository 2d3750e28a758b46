package dev.keygate.admin.config;

import dev.keygate.admin.auth.AdminRole;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.store.RedisKeyspace;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the admin API, under {@code keygate.admin}. {@link #toString()} never shows a
 * token.
 *
 * @param token a single admin token (role {@code admin}, name {@value #DEFAULT_TOKEN_NAME}),
 *     usually from the {@code KEYGATE_ADMIN_TOKEN} environment variable; at least 16 characters
 * @param tokens more tokens, each with a name (recorded in the audit trail) and a role
 * @param maxGracePeriod the longest grace period a rotation may ask for
 * @param idempotencyWindow how long a create or rotate answer is kept for retries carrying the same
 *     {@code Idempotency-Key}
 * @param auditMaxLength approximate maximum number of events kept in the audit stream ({@code XADD
 *     MAXLEN ~}); older events are trimmed
 * @param keyPrefix the prefix of minted keys, {@code [a-z][a-z0-9]{1,15}}; must match the gateways'
 * @param redisNamespace the prefix of every Redis key, {@code [a-z][a-z0-9-]{0,31}}; must match the
 *     gateways'
 * @param maxRequestSize the largest request body accepted; larger ones get 413
 * @param durability whether changes wait for Redis replicas
 * @param propagation how long changes wait for the gateways to apply them (propagation receipts)
 */
@ConfigurationProperties("keygate.admin")
@Validated
public record AdminProperties(
        String token,
        @DefaultValue @Valid List<TokenProperties> tokens,
        @DefaultValue("P7D") @NotNull Duration maxGracePeriod,
        @DefaultValue("PT10M") @NotNull Duration idempotencyWindow,
        @DefaultValue("100000") @Min(1000) @Max(100_000_000) long auditMaxLength,
        @DefaultValue(ApiKeyFormat.DEFAULT_PREFIX) @Pattern(regexp = ApiKeyFormat.PREFIX_PATTERN)
                String keyPrefix,
        @DefaultValue(RedisKeyspace.DEFAULT_NAMESPACE)
                @Pattern(regexp = RedisKeyspace.NAMESPACE_PATTERN)
                String redisNamespace,
        @DefaultValue("16KB") @NotNull DataSize maxRequestSize,
        @DefaultValue @Valid @NotNull DurabilityProperties durability,
        @DefaultValue @Valid @NotNull PropagationProperties propagation) {

    /** The name of the token configured with {@code keygate.admin.token}. */
    public static final String DEFAULT_TOKEN_NAME = "admin";

    public AdminProperties {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    @Override
    public String toString() {
        return "AdminProperties[token="
                + (token == null || token.isEmpty() ? "<none>" : "<redacted>")
                + ", tokens="
                + tokens
                + ", maxGracePeriod="
                + maxGracePeriod
                + ", idempotencyWindow="
                + idempotencyWindow
                + ", auditMaxLength="
                + auditMaxLength
                + ", keyPrefix="
                + keyPrefix
                + ", redisNamespace="
                + redisNamespace
                + ", maxRequestSize="
                + maxRequestSize
                + ", durability="
                + durability
                + ", propagation="
                + propagation
                + "]";
    }

    /**
     * Whether a change waits for Redis replicas before it is answered, under {@code
     * keygate.admin.durability}. Off by default.
     *
     * <p>Redis replicates asynchronously: without waiting, a master that fails right after
     * acknowledging a removal can hand over to a replica that never saw it, and the removed key
     * works again. With {@code wait-for-replicas} set, every record write is followed by {@code
     * WAIT} on the same connection, and the answer reports how many replicas confirmed in the
     * {@code Keygate-Replicas-Acknowledged} and {@code Keygate-Replicas-Required} headers. A
     * shortfall does not fail the request: the change is already on the master and announced.
     *
     * @param waitForReplicas replicas that must confirm each change; 0 (the default) sends no
     *     {@code WAIT}
     * @param waitTimeout how long a change waits for them; keep it below {@code
     *     spring.data.redis.timeout}
     * @param connections how many changes may wait at the same time on connections of their own;
     *     more queue behind them
     */
    public record DurabilityProperties(
            @DefaultValue("0") @Min(0) @Max(16) int waitForReplicas,
            @DefaultValue("1s") @NotNull @DurationMin(millis = 1) @DurationMax(seconds = 30)
                    Duration waitTimeout,
            @DefaultValue("4") @Min(1) @Max(64) int connections) {

        /** Whether changes wait for replicas at all. */
        public boolean enabled() {
            return waitForReplicas > 0;
        }
    }

    /**
     * Propagation receipts, under {@code keygate.admin.propagation}: every change waits until each
     * live gateway has applied it, at most {@code timeout}, and says which did in its {@code
     * Keygate-Propagation-*} headers (a request with {@code ?wait=false} does not wait).
     *
     * @param timeout how long a change waits for the gateways; the lagging ones are named
     */
    public record PropagationProperties(
            @DefaultValue("1s") @NotNull @DurationMin(millis = 0) @DurationMax(seconds = 30)
                    Duration timeout) {}

    /**
     * One named admin token.
     *
     * @param name shown in the audit trail and logs, {@code [A-Za-z0-9._-]{1,64}}
     * @param token the secret, at least 16 characters
     * @param role what the token may do
     */
    public record TokenProperties(
            @NotBlank @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String name,
            @NotBlank String token,
            @NotNull AdminRole role) {

        @Override
        public String toString() {
            return "Token[name=" + name + ", role=" + role + ", token=<redacted>]";
        }
    }
}
