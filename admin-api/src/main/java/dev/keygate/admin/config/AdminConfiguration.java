package dev.keygate.admin.config;

import dev.keygate.admin.audit.AuditTrail;
import dev.keygate.admin.auth.AdminAuthenticationWebFilter;
import dev.keygate.admin.auth.AdminTokenRegistry;
import dev.keygate.admin.auth.BearerTokenConverter;
import dev.keygate.admin.durability.ReportingRecordWriter;
import dev.keygate.admin.idempotency.IdempotencyStore;
import dev.keygate.admin.problem.ProblemWebExceptionHandler;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.web.KeyController;
import dev.keygate.admin.web.KeyRequestReader;
import dev.keygate.admin.web.RequestIdWebFilter;
import dev.keygate.admin.web.RequestSizeWebFilter;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.RecordWriter;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.store.ReplicaWaitingRecordWriter;
import io.lettuce.core.ClientOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.IntegerSchema;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.server.WebFilter;
import tools.jackson.databind.ObjectMapper;

/**
 * Wires the admin API: the key store on Boot's reactive Redis template (configured with the
 * standard {@code spring.data.redis.*} properties), the admin token registry, the filters, the
 * problem handler and the service. {@link Clock} and {@link SecureRandom} are beans so tests can
 * replace them.
 */
@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(
        info =
                @Info(
                        title = "Keygate admin API",
                        version = "v1",
                        description =
                                "Creates, rotates, updates and removes API keys. Every error is"
                                        + " an RFC 9457 application/problem+json document."))
@SecurityScheme(name = "adminToken", type = SecuritySchemeType.HTTP, scheme = "bearer")
public class AdminConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }

    /** Built first so a missing admin token stops the start with a clear message. */
    @Bean
    AdminTokenRegistry adminTokenRegistry(AdminProperties properties) {
        return AdminTokenRegistry.from(properties);
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

    @Bean
    KeyAdminService keyAdminService(
            RedisKeyStore store,
            AuditTrail audit,
            IdempotencyStore idempotency,
            AdminProperties properties,
            ApiKeyFormat format,
            Clock clock,
            ObjectMapper json) {
        return new KeyAdminService(
                store,
                audit,
                idempotency,
                new KeyRequestReader(clock, properties.maxGracePeriod()),
                format,
                clock,
                json);
    }

    /**
     * The request-id, authentication and size filters, on the API's own server only: they are not
     * beans, because WebFilter beans would also run on the actuator's management server, whose
     * probes and metrics must answer without an admin token.
     */
    @Bean
    WebHttpHandlerBuilderCustomizer adminWebFilters(
            AdminTokenRegistry registry, MeterRegistry meters, AdminProperties properties) {
        List<WebFilter> ours =
                List.of(
                        new RequestIdWebFilter(),
                        new AdminAuthenticationWebFilter(
                                registry, new BearerTokenConverter(), meters),
                        new RequestSizeWebFilter(properties.maxRequestSize()));
        return builder ->
                builder.filters(
                        filters -> {
                            filters.addAll(0, ours);
                            AnnotationAwareOrderComparator.sort(filters);
                        });
    }

    /**
     * The contract documents the {@code Keygate-Replicas-*} headers once for every successful
     * answer to a change (every operation but reads), rather than on each controller method.
     */
    @Bean
    OpenApiCustomizer replicaHeadersInContract() {
        return openApi ->
                openApi.getPaths()
                        .values()
                        .forEach(
                                path ->
                                        path.readOperationsMap()
                                                .forEach(
                                                        (method, operation) -> {
                                                            if (method != PathItem.HttpMethod.GET) {
                                                                addReplicaHeaders(operation);
                                                            }
                                                        }));
    }

    private static void addReplicaHeaders(Operation operation) {
        operation
                .getResponses()
                .forEach(
                        (code, response) -> {
                            if (code.startsWith("2")) {
                                response.addHeaderObject(
                                        KeyController.REPLICAS_REQUIRED_HEADER,
                                        new Header()
                                                .description(
                                                        "Replicas the change waited for"
                                                                + " (keygate.admin.durability"
                                                                + ".wait-for-replicas); absent when"
                                                                + " it does not wait")
                                                .schema(new IntegerSchema()));
                                response.addHeaderObject(
                                        KeyController.REPLICAS_ACKNOWLEDGED_HEADER,
                                        new Header()
                                                .description(
                                                        "Replicas that confirmed the change in"
                                                                + " time; fewer than required means"
                                                                + " a failover could undo it")
                                                .schema(new IntegerSchema()));
                            }
                        });
    }

    @Bean
    ProblemWebExceptionHandler problemWebExceptionHandler(ObjectMapper json) {
        return new ProblemWebExceptionHandler(json);
    }

    /** Bodies without a Content-Length are bounded too (overflow → 413). */
    @Bean
    WebFluxConfigurer requestSizeCodecConfigurer(AdminProperties properties) {
        return new WebFluxConfigurer() {
            @Override
            public void configureHttpMessageCodecs(ServerCodecConfigurer configurer) {
                configurer
                        .defaultCodecs()
                        .maxInMemorySize((int) properties.maxRequestSize().toBytes());
            }
        };
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
