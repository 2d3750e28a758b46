package dev.keygate.admin.config;

import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * How the admin API (and the developer portal's self-service API) read JSON bodies. A class of its
 * own, free of the contract's types, so the portal can use it without the admin API's web layer.
 */
public final class StrictJson {

    private StrictJson() {}

    /**
     * Bodies are read strictly: an unknown property is refused, and a string property does not
     * accept a number or a boolean (nor a boolean a string, nor a whole number a string, a fraction
     * or a boolean), so {@code "owner": 12} is an error of {@code owner} rather than the owner
     * "12", and {@code "requests": 1.5} an error rather than 1. Instants and durations are ISO-8601
     * strings.
     */
    public static JsonMapperBuilderCustomizer customizer() {
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
}
