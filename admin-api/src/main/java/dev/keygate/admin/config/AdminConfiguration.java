package dev.keygate.admin.config;

import dev.keygate.admin.auth.AdminTokenRegistry;
import dev.keygate.admin.problem.Problem;
import dev.keygate.admin.problem.ProblemWebExceptionHandler;
import dev.keygate.admin.web.CallerArgumentResolver;
import dev.keygate.admin.web.KeyController;
import dev.keygate.admin.web.PropagationHeaders;
import dev.keygate.admin.web.RequestIdWebFilter;
import dev.keygate.admin.web.RequestSizeWebFilter;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.security.web.server.WebFilterChainProxy;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

/**
 * Wires the admin API's web side: the admin token registry, the filters, the problem handler for
 * filters, the strict JSON binding and the contract; the service layer (key store, audit trail,
 * idempotency, propagation receipts, usage) is {@link KeyServiceConfiguration}, which the developer
 * portal imports too. Authentication is in {@link AdminSecurityConfiguration}; controllers and
 * {@code ProblemAdvice} are found by component scan, and the constraint validators ({@code
 * WithinLifetime}, {@code WithinMaxGracePeriod}) are created by Spring's validator factory with
 * their dependencies injected.
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
@Import(KeyServiceConfiguration.class)
@SecurityScheme(name = "adminToken", type = SecuritySchemeType.HTTP, scheme = "bearer")
public class AdminConfiguration {

    /** Built first so a missing admin token stops the start with a clear message. */
    @Bean
    AdminTokenRegistry adminTokenRegistry(AdminProperties properties) {
        return AdminTokenRegistry.from(properties);
    }

    /** Bodies are read strictly ({@link StrictJson}). */
    @Bean
    JsonMapperBuilderCustomizer strictRequestBodies() {
        return StrictJson.customizer();
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
}
