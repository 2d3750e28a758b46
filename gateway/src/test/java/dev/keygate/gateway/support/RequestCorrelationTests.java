package dev.keygate.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** Naming the request in a log line: from the exchange, from the Reactor context, as text. */
class RequestCorrelationTests {

    private final SimpleTracer tracer = new SimpleTracer();

    private final ObservationRegistry registry = ObservationRegistry.create();

    {
        registry.observationConfig()
                .observationHandler(new DefaultTracingObservationHandler(tracer));
    }

    /** An observed request, as WebFlux's HttpWebHandlerAdapter makes it. */
    private Observation observe(MockServerWebExchange exchange) {
        ServerRequestObservationContext context =
                new ServerRequestObservationContext(
                        exchange.getRequest(), exchange.getResponse(), exchange.getAttributes());
        exchange.getAttributes()
                .put(
                        ServerRequestObservationContext.CURRENT_OBSERVATION_CONTEXT_ATTRIBUTE,
                        context);
        return Observation.createNotStarted("http.server.requests", () -> context, registry)
                .start();
    }

    @Test
    void anObservedRequestIsNamedByItsRequestIdAndTraceId() {
        MockServerWebExchange exchange =
                MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
        Observation observation = observe(exchange);
        observation.stop();
        String traceId = tracer.getSpans().getFirst().getTraceId();

        RequestCorrelation fromExchange = RequestCorrelation.of(exchange);
        assertThat(fromExchange.requestId()).isEqualTo(exchange.getRequest().getId()).isNotBlank();
        assertThat(fromExchange.traceId()).isEqualTo(traceId).isNotBlank();
        assertThat(fromExchange.suffix())
                .isEqualTo(
                        " [request " + exchange.getRequest().getId() + ", trace " + traceId + "]");

        // what an operator on the request's chain sees (WebFlux puts the observation there)
        StepVerifier.create(
                        Mono.deferContextual(context -> Mono.just(RequestCorrelation.of(context)))
                                .contextWrite(Context.of("micrometer.observation", observation)))
                .expectNext(fromExchange)
                .verifyComplete();
    }

    @Test
    void withoutARequestNothingIsNamed() {
        StepVerifier.create(
                        Mono.deferContextual(context -> Mono.just(RequestCorrelation.of(context))))
                .expectNext(RequestCorrelation.NONE)
                .verifyComplete();
        assertThat(RequestCorrelation.NONE.suffix()).isEmpty();
        MockServerWebExchange unobserved =
                MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
        assertThat(RequestCorrelation.of(unobserved).traceId()).isNull();
        assertThat(RequestCorrelation.of(unobserved).suffix())
                .isEqualTo(" [request " + unobserved.getRequest().getId() + "]");
    }
}
