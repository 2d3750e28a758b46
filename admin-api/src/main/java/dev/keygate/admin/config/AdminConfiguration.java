package dev.keygate.admin.config;

import dev.keygate.admin.audit.AuditTrail;
import dev.keygate.admin.auth.AdminTokenRegistry;
import dev.keygate.admin.durability.ReportingRecordWriter;
import dev.keygate.admin.idempotency.IdempotencyStore;
import dev.keygate.admin.problem.Problem;
import dev.keygate.admin.problem.ProblemWebExceptionHandler;
import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.service.KeyUsageService;
import dev.keygate.admin.service.OwnerLimitsService;
import dev.keygate.admin.web.CallerArgumentResolver;
import dev.keygate.admin.web.KeyController;
import dev.keygate.admin.web.PropagationHeaders;
import dev.keygate.admin.web.RequestIdWebFilter;
import dev.keygate.admin.web.RequestSizeWebFilter;
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
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.security.web.server.WebFilterChainProxy;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Wires the admin API: the key store on Boot's reactive Redis template (configured with the
 * standard {@code spring.data.redis.*} properties), the admin token registry, the filters, the
 * problem handler for filters and the service. Authentication is in {@link
 * AdminSecurityConfiguration}; controllers and {@code ProblemAdvice} are found by component scan,
 * and the constraint validators ({@code WithinLifetime}, {@code WithinMaxGracePeriod}) are created
 * by Spring's validator factory with their dependencies injected.
 *
 * <p>{@link Clock} and {@link SecureRandom} are plain beans: this is an application's own
 * configuration, not an auto-configuration, so nothing here "backs off". Tests replace the clock
 * with a {@code @Primary} {@code MutableClock} from a {@code @TestConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(
        info =
                @Info(
                        title = "Keygate admin API",
                        version = "v1",
                        description =
                                "Creates, rotates, updates and removes API keys. Every error is"
                                        + " an RFC 9457 application/problem+json document. A"
                                        + " body or parameter refused for its values lists every"
                                        + " offending field in errors[]. A body that cannot be"
                                        + " bound (a value of the wrong JSON type, an unknown"
                                        + " property) is refused at the first such property,"
                                        + " which is then the only entry; malformed JSON is a"
                                        + " malformed-body problem."))
@EnableConfigurationProperties(UsageProperties.class)
@SecurityScheme(name = "adminToken", type = SecuritySchemeType.HTTP, scheme = "bearer")
public class AdminConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
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
     * Bodies are read strictly: an unknown property is refused, and a string property does not
     * accept a number or a boolean (nor a boolean a string, nor a whole number a string, a fraction
     * or a boolean), so {@code "owner": 12} is an error of {@code owner} rather than the owner
     * "12", and {@code "requests": 1.5} an error rather than 1.
     */
    @Bean
    JsonMapperBuilderCustomizer strictRequestBodies() {
        return builder ->
                builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .withCoercionConfig(
                                LogicalType.Textual,
                                config ->
                                        config.setCoercion(
                                                        CoercionInputShape.Integer,
                                                        CoercionAction.Fail)
                                                .setCoercion(
                                                        CoercionInputShape.Float,
                                                        CoercionAction.Fail)
                                                .setCoercion(
                                                        CoercionInputShape.Boolean,
                                                        CoercionAction.Fail))
                        .addModule(
                                new SimpleModule("keygate-iso-strings")
                                        .addDeserializer(
                                                Instant.class,
                                                new IsoStringDeserializer<>(
                                                        Instant.class,
                                                        Instant::parse,
                                                        "an ISO-8601 instant such as"
                                                                + " 2030-01-01T00:00:00Z"))
                                        .addDeserializer(
                                                Duration.class,
                                                new IsoStringDeserializer<>(
                                                        Duration.class,
                                                        Duration::parse,
                                                        "an ISO-8601 duration such as PT1H or"
                                                                + " P7D")))
                        .withCoercionConfig(
                                LogicalType.Integer,
                                config ->
                                        config.setCoercion(
                                                        CoercionInputShape.String,
                                                        CoercionAction.Fail)
                                                .setCoercion(
                                                        CoercionInputShape.Float,
                                                        CoercionAction.Fail)
                                                .setCoercion(
                                                        CoercionInputShape.Boolean,
                                                        CoercionAction.Fail))
                        .withCoercionConfig(
                                LogicalType.Boolean,
                                config ->
                                        config.setCoercion(
                                                        CoercionInputShape.String,
                                                        CoercionAction.Fail)
                                                .setCoercion(
                                                        CoercionInputShape.Integer,
                                                        CoercionAction.Fail));
    }

    /**
     * The request-id filter first and the size filter right after the security chain, on the API's
     * own server only: they are not beans, because WebFilter beans would also run on the actuator's
     * management server. (The security chain is a bean, and its matcher leaves the management
     * server alone.) The size check runs after authentication, so an anonymous caller learns
     * nothing but 401.
     */
    @Bean
    WebHttpHandlerBuilderCustomizer adminWebFilters(AdminProperties properties) {
        return builder ->
                builder.filters(
                        filters -> {
                            filters.add(0, new RequestIdWebFilter());
                            int security = 0;
                            while (security < filters.size()
                                    && !(filters.get(security) instanceof WebFilterChainProxy)) {
                                security++;
                            }
                            filters.add(
                                    Math.min(security + 1, filters.size()),
                                    new RequestSizeWebFilter(properties.maxRequestSize()));
                        });
    }

    /**
     * The contract documents every operation's error answer once, an RFC 9457 problem, rather than
     * on each controller.
     */
    @Bean
    OpenApiCustomizer problemsInContract() {
        return openApi -> {
            ModelConverters.getInstance(true)
                    .readAll(Problem.class)
                    .forEach(openApi.getComponents()::addSchemas);
            ApiResponse problem =
                    new ApiResponse()
                            .description("An RFC 9457 problem")
                            .content(
                                    new Content()
                                            .addMediaType(
                                                    org.springframework.http.MediaType
                                                            .APPLICATION_PROBLEM_JSON_VALUE,
                                                    new MediaType()
                                                            .schema(
                                                                    new Schema<>()
                                                                            .$ref(
                                                                                    "#/components/schemas/Problem"))));
            openApi.getPaths()
                    .values()
                    .forEach(
                            path ->
                                    path.readOperations()
                                            .forEach(
                                                    operation ->
                                                            operation
                                                                    .getResponses()
                                                                    .addApiResponse(
                                                                            "default", problem)));
        };
    }

    /**
     * The contract documents the {@code Keygate-Replicas-*} headers once for every successful
     * answer to a change of a key (every operation of the {@code keys} tag but reads), rather than
     * on each controller method. An owner's limits are not written through the record writer, so
     * their answers never carry them.
     */
    @Bean
    OpenApiCustomizer replicaHeadersInContract() {
        return openApi ->
                forEachChange(openApi, Set.of("keys"), AdminConfiguration::addReplicaHeaders);
    }

    /**
     * The {@code Keygate-Propagation-*} headers, once for every successful answer to a change (of a
     * key or of an owner's limits).
     */
    @Bean
    OpenApiCustomizer propagationHeadersInContract() {
        return openApi ->
                forEachChange(
                        openApi,
                        Set.of("keys", "limits"),
                        AdminConfiguration::addPropagationHeaders);
    }

    /** Every operation but reads ({@code GET}) with one of {@code tags}: the changes. */
    private static void forEachChange(
            OpenAPI openApi, Set<String> tags, Consumer<Operation> action) {
        openApi.getPaths()
                .values()
                .forEach(
                        path ->
                                path.readOperationsMap()
                                        .forEach(
                                                (method, operation) -> {
                                                    if (method != PathItem.HttpMethod.GET
                                                            && operation.getTags() != null
                                                            && operation.getTags().stream()
                                                                    .anyMatch(tags::contains)) {
                                                        action.accept(operation);
                                                    }
                                                }));
    }

    private static void addPropagationHeaders(Operation operation) {
        operation
                .getResponses()
                .forEach(
                        (code, response) -> {
                            if (code.startsWith("2")) {
                                header(
                                        response,
                                        PropagationHeaders.EPOCH,
                                        "The change's epoch (GET /v1/changes/{epoch} tells later"
                                                + " which gateways have applied it)",
                                        new IntegerSchema().format("int64"));
                                header(
                                        response,
                                        PropagationHeaders.GATEWAYS,
                                        "Live gateways; absent when the registry could not be read",
                                        new IntegerSchema());
                                header(
                                        response,
                                        PropagationHeaders.CONFIRMED,
                                        "Live gateways that have applied the change; equal to"
                                                + " Gateways: none of them answers from an older"
                                                + " record any more",
                                        new IntegerSchema());
                                header(
                                        response,
                                        PropagationHeaders.LAGGING,
                                        "Node ids of the gateways that had not applied it when the"
                                                + " answer was made (comma-separated); absent when"
                                                + " none",
                                        new StringSchema());
                                header(
                                        response,
                                        PropagationHeaders.WAITED_MS,
                                        "How long the answer waited for the gateways"
                                                + " (keygate.admin.propagation.timeout at most;"
                                                + " ?wait=false does not wait)",
                                        new IntegerSchema());
                            }
                        });
    }

    private static void header(
            ApiResponse response, String name, String description, Schema<?> schema) {
        response.addHeaderObject(name, new Header().description(description).schema(schema));
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

    /**
     * A nullable property whose schema is a reference (a limit that {@code null} removes) is
     * written {@code anyOf: [{$ref}, {type: "null"}]}: springdoc writes {@code $ref} next to {@code
     * type: "null"}, which in OpenAPI 3.1 means both at once, so no value (not even null) would
     * match.
     */
    @Bean
    OpenApiCustomizer nullableReferencesInContract() {
        return openApi ->
                openApi.getComponents()
                        .getSchemas()
                        .values()
                        .forEach(
                                schema -> {
                                    Map<String, Schema> properties = schema.getProperties();
                                    if (properties != null) {
                                        properties.replaceAll(
                                                (name, property) -> nullableReference(property));
                                    }
                                });
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static Schema nullableReference(Schema property) {
        Set<String> types = property.getTypes();
        if (property.get$ref() == null || types == null || !types.contains("null")) {
            return property;
        }
        return new JsonSchema()
                .description(property.getDescription())
                .anyOf(
                        List.of(
                                new JsonSchema().$ref(property.get$ref()),
                                new JsonSchema().types(Set.of("null"))));
    }

    @Bean
    ProblemWebExceptionHandler problemWebExceptionHandler(ServerCodecConfigurer codecs) {
        return new ProblemWebExceptionHandler(codecs);
    }

    /**
     * Bodies without a Content-Length are bounded too (overflow → 413), and controllers receive the
     * authenticated admin as a {@code Caller} ({@link CallerArgumentResolver}).
     */
    @Bean
    WebFluxConfigurer adminWebFluxConfigurer(AdminProperties properties) {
        return new WebFluxConfigurer() {
            @Override
            public void configureHttpMessageCodecs(ServerCodecConfigurer configurer) {
                configurer
                        .defaultCodecs()
                        .maxInMemorySize((int) properties.maxRequestSize().toBytes());
            }

            @Override
            public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
                configurer.addCustomResolver(new CallerArgumentResolver());
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
