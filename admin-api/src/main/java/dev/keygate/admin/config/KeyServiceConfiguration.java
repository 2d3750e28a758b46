package dev.keygate.admin.config;

import dev.keygate.admin.audit.AuditTrail;
import dev.keygate.admin.durability.ReportingRecordWriter;
import dev.keygate.admin.idempotency.IdempotencyStore;
import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.service.KeyUsageService;
import dev.keygate.admin.service.OwnerLimitsService;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.limit.RedisLimitCounters;
import dev.keygate.core.node.RedisGatewayRegistry;
import dev.keygate.core.store.RecordWriter;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.store.ReplicaWaitingRecordWriter;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.UsageProperties;
import io.lettuce.core.ClientOptions;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import tools.jackson.databind.ObjectMapper;

/**
 * The admin service layer, the one way keys are written: the key store on Boot's reactive Redis
 * template (configured with the standard {@code spring.data.redis.*} properties), the record
 * writer, the audit trail, the idempotency store, the limit counters, the gateway registry and
 * propagation receipts, the usage store and the services on top ({@link KeyAdminService}, {@link
 * KeyUsageService}, {@link OwnerLimitsService}). The admin API imports it from {@link
 * AdminConfiguration}; the developer portal imports it as a library, so its changes go through the
 * same store, announcements, audit trail and limits. Reads {@code keygate.admin.*} ({@link
 * AdminProperties}: key prefix, Redis namespace, durability, propagation, audit length) and {@code
 * keygate.usage.*}; needs no admin token.
 *
 * <p>{@link Clock} and {@link SecureRandom} are plain beans: this is an application's own
 * configuration, not an auto-configuration, so nothing here "backs off". Tests replace the clock
 * with a {@code @Primary} {@code MutableClock} from a {@code @TestConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({AdminProperties.class, UsageProperties.class})
public class KeyServiceConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }

    @Bean
    ApiKeyFormat apiKeyFormat(AdminProperties properties) {
        return ApiKeyFormat.withPrefix(properties.keyPrefix());
    }

    @Bean
    RedisKeyspace redisKeyspace(AdminProperties properties) {
        return new RedisKeyspace(properties.redisNamespace());
    }

    @Bean
    RedisKeyStore redisKeyStore(
            ReactiveStringRedisTemplate redis,
            RecordWriter recordWriter,
            RedisKeyspace keyspace,
            ApiKeyFormat format,
            SecureRandom random,
            Clock clock) {
        return new RedisKeyStore(
                redis, recordWriter, keyspace, new ApiKeyGenerator(format, random), clock);
    }

    /**
     * Where the record scripts run: the shared template, or, with {@code
     * keygate.admin.durability.wait-for-replicas} above 0, connections of their own from the same
     * Lettuce client followed by {@code WAIT} (closed with the context).
     */
    @Bean
    RecordWriter recordWriter(
            ReactiveStringRedisTemplate redis,
            ReactiveRedisConnectionFactory connectionFactory,
            AdminProperties properties,
            MeterRegistry meters) {
        AdminProperties.DurabilityProperties durability = properties.durability();
        if (!durability.enabled()) {
            return RecordWriter.on(redis);
        }
        if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
            throw new IllegalStateException(
                    "keygate.admin.durability.wait-for-replicas needs Lettuce, found "
                            + connectionFactory.getClass().getName());
        }
        Duration commandTimeout = lettuce.getClientConfiguration().getCommandTimeout();
        if (durability.waitTimeout().compareTo(commandTimeout) >= 0) {
            // the WAIT would be cut short by the command timeout and always report 0 replicas
            throw new IllegalStateException(
                    "keygate.admin.durability.wait-timeout ("
                            + durability.waitTimeout()
                            + ") must be shorter than spring.data.redis.timeout ("
                            + commandTimeout
                            + ")");
        }
        return new ReportingRecordWriter(
                new ReplicaWaitingRecordWriter(
                        lettuce::getNativeClient,
                        durability.waitForReplicas(),
                        durability.waitTimeout(),
                        durability.connections()),
                meters);
    }

    @Bean
    AuditTrail auditTrail(
            ReactiveStringRedisTemplate redis, RedisKeyspace keyspace, AdminProperties properties) {
        return new AuditTrail(redis, keyspace, properties.auditMaxLength());
    }

    @Bean
    IdempotencyStore idempotencyStore(
            ReactiveStringRedisTemplate redis,
            RedisKeyspace keyspace,
            AdminProperties properties,
            Clock clock,
            SecureRandom random,
            ObjectMapper json) {
        return new IdempotencyStore(
                redis, keyspace, properties.idempotencyWindow(), clock, random, json);
    }

    /** The limit counters: the usage the admin API shows, and their removal. */
    @Bean
    RedisLimitCounters redisLimitCounters(
            ReactiveStringRedisTemplate redis, RedisKeyspace keyspace) {
        return new RedisLimitCounters(redis, keyspace);
    }

    @Bean
    RedisGatewayRegistry redisGatewayRegistry(
            ReactiveStringRedisTemplate redis, RedisKeyspace keyspace) {
        return new RedisGatewayRegistry(redis, keyspace);
    }

    @Bean
    PropagationTracker propagationTracker(
            ReactiveRedisConnectionFactory connectionFactory,
            RedisGatewayRegistry registry,
            RedisKeyspace keyspace,
            AdminProperties properties) {
        return new PropagationTracker(
                connectionFactory,
                registry,
                keyspace.appliedChannel(),
                properties.propagation().timeout());
    }

    @Bean
    RedisUsageStore redisUsageStore(
            ReactiveStringRedisTemplate redis, RedisKeyspace keyspace, UsageProperties usage) {
        return new RedisUsageStore(redis, keyspace, usage);
    }

    @Bean
    KeyUsageService keyUsageService(RedisUsageStore store, Clock clock) {
        return new KeyUsageService(store, clock);
    }

    @Bean
    KeyAdminService keyAdminService(
            RedisKeyStore store,
            RedisLimitCounters counters,
            AuditTrail audit,
            IdempotencyStore idempotency,
            Clock clock) {
        return new KeyAdminService(store, counters, audit, idempotency, clock);
    }

    @Bean
    OwnerLimitsService ownerLimitsService(
            RedisKeyStore store, RedisLimitCounters counters, AuditTrail audit, Clock clock) {
        return new OwnerLimitsService(store, counters, audit, clock);
    }

    /**
     * While Redis is unreachable, commands fail at once (→ 503) instead of queueing until the
     * command timeout: the admin API fails closed and fast. Lettuce still reconnects.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
        return options ->
                options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }
}
