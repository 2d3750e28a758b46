package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.gateway.accesslog.AccessLogCapture;
import dev.keygate.gateway.app.KeygateGatewayApplication;
import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.testing.GatewayFixture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Tracing of the runnable gateway (Micrometer Tracing with the OpenTelemetry bridge, as it ships),
 * real Redis, WireMock upstream; spans caught by an in-memory exporter: an incoming {@code
 * traceparent} is continued and forwarded, the request's span names the key id (never the key), the
 * Redis read of a cache miss is a child of the request, and nothing is exported over OTLP unless an
 * endpoint is configured.
 */
class TracingTests {

    private static final InMemorySpanExporter spans = InMemorySpanExporter.create();

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_SPAN_ID = "00f067aa0ba902b7";

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .singleton("inMemorySpanExporter", spans)
                    .property("management.tracing.sampling.probability", "1.0")
                    .property("logging.level.keygate.access", "INFO")
                    .build();

    private AccessLogCapture accessLog;

    @BeforeEach
    void reset() {
        spans.reset();
        accessLog = AccessLogCapture.open();
    }

    @AfterEach
    void release() {
        accessLog.close();
    }

    private static final AttributeKey<String> KEY_ID =
            AttributeKey.stringKey(ApiKeyAuthenticationFilter.SPAN_KEY_ID);

    private static List<SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> span.getTraceId().equals(traceId))
                .toList();
    }

    private static SpanData awaitSpan(String traceId, Predicate<SpanData> which, String what) {
        return await(what)
                .atMost(Duration.ofSeconds(10))
                .until(
                        () -> spansOf(traceId).stream().filter(which).findFirst().orElse(null),
                        span -> span != null);
    }

    private static SpanData serverSpan(String traceId) {
        return awaitSpan(traceId, span -> span.getKind() == SpanKind.SERVER, "the server span");
    }

    private static boolean isRedis(SpanData span) {
        return "redis".equals(span.getAttributes().get(AttributeKey.stringKey("db.system")));
    }

    @Test
    void incomingTraceIsContinuedForwardedAndNamesTheKeyIdNeverTheKey() {
        IssuedKey key = fixture.keys().mint("acct-trace");
        fixture.client()
                .get()
                .uri("/traced/continued")
                .header("Authorization", "Bearer " + key.key())
                .header("traceparent", "00-" + TRACE_ID + "-" + PARENT_SPAN_ID + "-01")
                .exchange()
                .expectStatus()
                .isOk();

        SpanData server = serverSpan(TRACE_ID);
        assertThat(server.getParentSpanId()).isEqualTo(PARENT_SPAN_ID);
        assertThat(server.getAttributes().get(KEY_ID)).isEqualTo(key.record().id());

        // the upstream got the same trace, with a span of this gateway as its parent
        LoggedRequest forwarded =
                fixture.upstream()
                        .findAll(getRequestedFor(urlPathEqualTo("/traced/continued")))
                        .get(0);
        String traceparent = forwarded.getHeader("traceparent");
        assertThat(traceparent).startsWith("00-" + TRACE_ID + "-").endsWith("-01");
        String upstreamParent = traceparent.split("-")[2];
        assertThat(upstreamParent).isNotEqualTo(PARENT_SPAN_ID);
        SpanData client =
                awaitSpan(
                        TRACE_ID,
                        span -> span.getSpanId().equals(upstreamParent),
                        "the span of the upstream call");
        assertThat(client.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());

        // the key's first use missed the cache: its Redis read is a child of the request's span
        SpanData redis = awaitSpan(TRACE_ID, TracingTests::isRedis, "the span of the Redis read");
        assertThat(redis.getParentSpanId()).isEqualTo(server.getSpanId());

        // no span holds the key (its id is public: kg_<id>_<secret>)
        for (SpanData span : spans.getFinishedSpanItems()) {
            assertThat(span.getAttributes().asMap().values().toString())
                    .doesNotContain(key.key())
                    .doesNotContain(key.key().substring(key.key().lastIndexOf('_') + 1));
        }

        // the access log names the same trace
        await("the access-log line")
                .atMost(Duration.ofSeconds(10))
                .until(() -> !accessLog.linesFor("/traced/continued").isEmpty());
        assertThat(
                        AccessLogCapture.field(
                                accessLog.linesFor("/traced/continued").get(0), "trace_id"))
                .isEqualTo(TRACE_ID);
    }

    @Test
    void aRequestWithoutTraceparentStartsATraceAndForwardsIt() {
        IssuedKey key = fixture.keys().mint("acct-trace");
        fixture.client()
                .get()
                .uri("/traced/started")
                .header("Authorization", "Bearer " + key.key())
                .exchange()
                .expectStatus()
                .isOk();

        String traceparent =
                fixture.upstream()
                        .findAll(getRequestedFor(urlPathEqualTo("/traced/started")))
                        .get(0)
                        .getHeader("traceparent");
        assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        String traceId = traceparent.split("-")[1];
        SpanData server = serverSpan(traceId);
        assertThat(server.getParentSpanContext().isValid()).isFalse();
        assertThat(server.getAttributes().get(KEY_ID)).isEqualTo(key.record().id());
    }

    @Test
    void aRefusedRequestsSpanNamesTheReasonAndNoKey() {
        fixture.client()
                .get()
                .uri("/traced/refused")
                .header(
                        "traceparent",
                        "00-" + TRACE_ID.replace('4', '5') + "-" + PARENT_SPAN_ID + "-01")
                .exchange()
                .expectStatus()
                .isUnauthorized();

        SpanData server = serverSpan(TRACE_ID.replace('4', '5'));
        assertThat(
                        server.getAttributes()
                                .get(
                                        AttributeKey.stringKey(
                                                ApiKeyAuthenticationFilter.SPAN_REFUSAL)))
                .isEqualTo("missing");
        assertThat(server.getAttributes().get(KEY_ID)).isNull();
        assertThat(fixture.upstream().findAll(getRequestedFor(urlPathEqualTo("/traced/refused"))))
                .isEmpty();
    }

    @Test
    void nothingIsExportedOverOtlpWithoutAnEndpoint() {
        Map<String, SpanExporter> exporters = fixture.gateway().beansOfType(SpanExporter.class);
        assertThat(exporters).containsOnlyKeys("inMemorySpanExporter");
    }

    /** Spring Boot's tracing auto-configuration, as the runnable gateway has it. */
    private static final ApplicationContextRunner TRACING =
            new ApplicationContextRunner()
                    .withConfiguration(
                            AutoConfigurations.of(
                                    OpenTelemetrySdkAutoConfiguration.class,
                                    OpenTelemetryTracingAutoConfiguration.class,
                                    OtlpTracingAutoConfiguration.class));

    @Test
    void anOtlpEndpointTurnsTheExportOn() {
        TRACING.run(context -> assertThat(context).doesNotHaveBean(OtlpHttpSpanExporter.class));
        TRACING.withPropertyValues(
                        "management.opentelemetry.tracing.export.otlp.endpoint="
                                + "http://127.0.0.1:4318/v1/traces")
                .run(context -> assertThat(context).hasSingleBean(OtlpHttpSpanExporter.class));
        // the name Spring Boot 3 had: Boot 4 ignores it, the runnable gateway takes it as the new
        TRACING.withPropertyValues(
                        "management.otlp.tracing.endpoint=http://127.0.0.1:4318/v1/traces")
                .run(context -> assertThat(context).doesNotHaveBean(OtlpHttpSpanExporter.class));
        TRACING.withPropertyValues(
                        "management.otlp.tracing.endpoint=http://127.0.0.1:4318/v1/traces")
                .withInitializer(
                        context ->
                                KeygateGatewayApplication.acceptBoot3TracingEndpoint(
                                        context.getEnvironment()))
                .run(context -> assertThat(context).hasSingleBean(OtlpHttpSpanExporter.class));
    }
}
