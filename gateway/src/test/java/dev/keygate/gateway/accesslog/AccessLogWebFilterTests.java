package dev.keygate.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.SecretHash;
import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.authentication.ClientAddressResolver;
import dev.keygate.gateway.authentication.ProblemJsonFailureHandler;
import dev.keygate.gateway.authentication.Refusal;
import dev.keygate.gateway.firewall.RequestFirewallWebFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import org.springframework.web.server.handler.ResponseStatusExceptionHandler;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * The filter in WebFlux's own handler chain (HttpWebHandlerAdapter, with an observation registry
 * whose tracing handler is Micrometer Tracing's), on mock requests: what each kind of ending logs.
 */
class AccessLogWebFilterTests {

    private static final Instant T0 = Instant.parse("2026-12-02T16:00:00.123Z");
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 40000);

    private static final KeyRecord KEY =
            new KeyRecord(
                    "AbCdEfGhIjK",
                    "acct-1",
                    "",
                    Set.of(),
                    Set.of(),
                    T0,
                    T0,
                    null,
                    true,
                    SecretHash.of("the-secret"),
                    null,
                    null,
                    Map.of(),
                    null,
                    null,
                    1);

    private final AccessLogWriter writer =
            new AccessLogWriter(100, List.of("api_key"), new SimpleMeterRegistry());
    private final AccessLogCapture capture = AccessLogCapture.open();

    /** Each reading moves 2 ms on: every request takes 2 ms. */
    private final AtomicLong nanos = new AtomicLong();

    AccessLogWebFilterTests() {
        writer.start();
    }

    @AfterEach
    void close() {
        writer.stop();
        capture.close();
    }

    private AccessLogWebFilter filter(boolean includeQuery) {
        return new AccessLogWebFilter(
                writer,
                new ClientAddressResolver(List.of()),
                Clock.fixed(T0, ZoneOffset.UTC),
                () -> nanos.getAndAdd(2_000_000),
                includeQuery);
    }

    /** The handler chain: the access log, the request firewall, then {@code handler}. */
    private HttpHandler chain(WebHandler handler, boolean includeQuery) {
        return chain(handler, includeQuery, null);
    }

    /** The same, with {@code errors} answering what the chain ends with (null: WebFlux's 500). */
    private HttpHandler chain(
            WebHandler handler, boolean includeQuery, WebExceptionHandler errors) {
        SimpleTracer tracer = new SimpleTracer();
        ObservationRegistry observations = ObservationRegistry.create();
        observations
                .observationConfig()
                .observationHandler(
                        new DefaultTracingObservationHandler(tracer) {
                            @Override
                            public void onStart(Observation.Context context) {
                                super.onStart(context);
                                // SimpleTracer makes no ids of its own
                                ((SimpleSpan) getRequiredSpan(context))
                                        .context()
                                        .setTraceId(TRACE_ID);
                            }
                        });
        WebHttpHandlerBuilder builder = WebHttpHandlerBuilder.webHandler(handler);
        if (errors != null) {
            builder.exceptionHandler(errors);
        }
        return builder.filter(
                        filter(includeQuery),
                        new RequestFirewallWebFilter(
                                new StrictServerWebExchangeFirewall(),
                                new ProblemJsonFailureHandler(
                                        List.of("Bearer"), "keygate", Duration.ofSeconds(5))))
                .observationRegistry(observations)
                .build();
    }

    private static MockServerHttpRequest get(String uri) {
        return MockServerHttpRequest.get(uri).remoteAddress(CLIENT).build();
    }

    /** The lines written once the writer has drained its queue. */
    private List<String> lines() {
        writer.stop();
        return capture.lines();
    }

    @Test
    void anAnsweredRequestIsOneLineWithItsStatusBytesKeyAndTraceId() {
        HttpHandler chain =
                chain(
                        exchange -> {
                            exchange.getAttributes()
                                    .put(ApiKeyAuthenticationFilter.IDENTIFIED_KEY_ATTRIBUTE, KEY);
                            exchange.getResponse().setStatusCode(HttpStatus.CREATED);
                            return exchange.getResponse()
                                    .writeWith(
                                            Mono.just(
                                                    exchange.getResponse()
                                                            .bufferFactory()
                                                            .wrap(
                                                                    "hello"
                                                                            .getBytes(
                                                                                    StandardCharsets
                                                                                            .UTF_8))));
                        },
                        false);
        StepVerifier.create(chain.handle(get("/things/1"), new MockServerHttpResponse()))
                .verifyComplete();

        List<String> lines = lines();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .matches(
                        "time=2026-12-02T16:00:00\\.123Z method=GET path=/things/1 status=201"
                                + " duration_ms=2\\.000 bytes=5 key_id=AbCdEfGhIjK owner=acct-1"
                                + " reason=- trace_id="
                                + TRACE_ID
                                + " request_id=\\S+ client=203\\.0\\.113\\.7");
    }

    @Test
    void aRequestTheFirewallRefusesIsLoggedWithItsReason() {
        HttpHandler chain = chain(exchange -> Mono.error(new AssertionError("not refused")), false);
        StepVerifier.create(
                        chain.handle(
                                MockServerHttpRequest.method(HttpMethod.valueOf("TRACE"), "/x")
                                        .remoteAddress(CLIENT)
                                        .build(),
                                new MockServerHttpResponse()))
                .verifyComplete();

        List<String> lines = lines();
        assertThat(lines).hasSize(1);
        assertThat(AccessLogCapture.field(lines.get(0), "method")).isEqualTo("TRACE");
        assertThat(AccessLogCapture.field(lines.get(0), "status")).isEqualTo("400");
        assertThat(AccessLogCapture.field(lines.get(0), "reason")).isEqualTo("rejected");
        assertThat(AccessLogCapture.field(lines.get(0), "key_id")).isEqualTo("-");
        assertThat(Long.parseLong(AccessLogCapture.field(lines.get(0), "bytes"))).isPositive();
    }

    @Test
    void aKeyRefusedAfterItAuthenticatedIsNamedWithTheRefusal() {
        HttpHandler chain =
                chain(
                        exchange -> {
                            exchange.getAttributes()
                                    .put(ApiKeyAuthenticationFilter.IDENTIFIED_KEY_ATTRIBUTE, KEY);
                            exchange.getAttributes()
                                    .put(
                                            ApiKeyAuthenticationFilter.REFUSAL_ATTRIBUTE,
                                            Refusal.forbidden(Set.of("orders:read")));
                            exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
                            return exchange.getResponse().setComplete();
                        },
                        false);
        StepVerifier.create(chain.handle(get("/orders"), new MockServerHttpResponse()))
                .verifyComplete();

        String line = lines().get(0);
        assertThat(line)
                .contains(
                        " status=403 ",
                        " bytes=0 ",
                        " key_id=AbCdEfGhIjK ",
                        " owner=acct-1 ",
                        " reason=forbidden ");
    }

    @Test
    void anErrorAnsweredByAnErrorHandlerIsLoggedWithTheStatusItWasAnsweredWith() {
        StepVerifier.create(
                        chain(
                                        exchange ->
                                                Mono.error(
                                                        new ResponseStatusException(
                                                                HttpStatus.NOT_FOUND)),
                                        false,
                                        new ResponseStatusExceptionHandler())
                                .handle(get("/nowhere"), new MockServerHttpResponse()))
                .verifyComplete();
        // without an error handler WebFlux answers 500
        StepVerifier.create(
                        chain(exchange -> Mono.error(new IllegalStateException("bug")), false)
                                .handle(get("/bug"), new MockServerHttpResponse()))
                .verifyComplete();

        List<String> lines = lines();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains(" path=/nowhere status=404 ", " bytes=0 ");
        assertThat(lines.get(1)).contains(" path=/bug status=500 ");
    }

    @Test
    void anErrorAnsweredOnlyAfterTheFilterCompletedIsLoggedWithTheStatusItWillGet() {
        // an error handler that answers later (as one rendering an error page may)
        Sinks.Empty<Void> later = Sinks.empty();
        WebExceptionHandler answersLater =
                (exchange, error) ->
                        later.asMono()
                                .then(
                                        Mono.defer(
                                                () -> {
                                                    exchange.getResponse()
                                                            .setStatusCode(
                                                                    ((ResponseStatusException)
                                                                                    error)
                                                                            .getStatusCode());
                                                    return exchange.getResponse().setComplete();
                                                }));
        StepVerifier.create(
                        chain(
                                        exchange ->
                                                Mono.error(
                                                        new ResponseStatusException(
                                                                HttpStatus.BAD_GATEWAY)),
                                        false,
                                        answersLater)
                                .handle(get("/upstream-down"), new MockServerHttpResponse()))
                .then(() -> later.tryEmitEmpty())
                .verifyComplete();

        List<String> lines = lines();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains(" path=/upstream-down status=502 ");
    }

    @Test
    void aRequestWhoseClientWentAwayBeforeAnAnswerIsLoggedAs499() {
        HttpHandler chain = chain(exchange -> Mono.never(), false);
        Disposable request = chain.handle(get("/slow"), new MockServerHttpResponse()).subscribe();
        request.dispose();

        List<String> lines = lines();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains(" path=/slow status=499 ", " bytes=0 ");
    }

    @Test
    void theQueryStringIsLeftOutByDefault() {
        StepVerifier.create(
                        chain(exchange -> exchange.getResponse().setComplete(), false)
                                .handle(
                                        get("/search?q=private&api_key=kg_x"),
                                        new MockServerHttpResponse()))
                .verifyComplete();

        List<String> lines = lines();
        assertThat(lines).hasSize(1);
        assertThat(AccessLogCapture.field(lines.get(0), "path")).isEqualTo("/search");
        assertThat(lines.get(0)).doesNotContain("private").doesNotContain("kg_x");
    }

    @Test
    void anIncludedQueryLosesItsCredentialParameters() {
        StepVerifier.create(
                        chain(exchange -> exchange.getResponse().setComplete(), true)
                                .handle(
                                        get("/search?q=books&api_key=kg_x&page=2"),
                                        new MockServerHttpResponse()))
                .verifyComplete();

        String line = lines().get(0);
        // a query has = signs: the value is quoted
        assertThat(AccessLogCapture.field(line, "path")).isEqualTo("\"/search?q=books&page=2\"");
        assertThat(line).doesNotContain("kg_x");
    }

    @Test
    void withItsLoggerAboveInfoTheFilterLeavesTheExchangeAlone() {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger)
                        org.slf4j.LoggerFactory.getLogger(AccessLogWriter.LOGGER_NAME);
        logger.setLevel(ch.qos.logback.classic.Level.WARN);
        MockServerHttpResponse response = new MockServerHttpResponse();
        StepVerifier.create(
                        chain(
                                        exchange -> {
                                            assertThat(exchange.getResponse()).isSameAs(response);
                                            return exchange.getResponse().setComplete();
                                        },
                                        false)
                                .handle(get("/quiet"), response))
                .verifyComplete();

        assertThat(lines()).isEmpty();
    }
}
