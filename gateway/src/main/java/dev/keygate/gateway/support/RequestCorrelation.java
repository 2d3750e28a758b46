package dev.keygate.gateway.support;

import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.TracingObservationHandler;
import java.util.Map;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;
import reactor.util.context.ContextView;

/**
 * Which request a log line is about: its request id (Reactor Netty's connection id and request
 * number, as {@code ServerHttpRequest.getId()}) and, with a tracer, its trace id. For the lines
 * Keygate writes on behalf of a request, which run on an event-loop thread where no MDC is set
 * (Spring Boot's MDC correlation needs Reactor's automatic context propagation, a cost on every
 * operator of every request; Keygate writes few such lines and names the request in each instead).
 *
 * <p>Read from the exchange's attributes or from the Reactor context, never from thread locals:
 * WebFlux keeps the request's observation context in an exchange attribute ({@link
 * ServerRequestObservationContext#findCurrent}) and the observation in the Reactor context (under
 * {@link ObservationThreadLocalAccessor#KEY}); Micrometer Tracing's handler keeps the span it
 * started for that observation in the observation's context. Micrometer Tracing is optional:
 * without it there is no trace id. Stateless and thread-safe.
 *
 * @param requestId the request id, or {@code null}
 * @param traceId the W3C trace id (32 hex digits), or {@code null}
 */
public record RequestCorrelation(String requestId, String traceId) {

    /** Nothing known: no request. */
    public static final RequestCorrelation NONE = new RequestCorrelation(null, null);

    private static final boolean TRACING =
            ClassUtils.isPresent(
                    "io.micrometer.tracing.handler.TracingObservationHandler",
                    RequestCorrelation.class.getClassLoader());

    /**
     * {@link ObservationThreadLocalAccessor#KEY}, written out: that class needs the optional
     * context-propagation library.
     */
    private static final String OBSERVATION_KEY = "micrometer.observation";

    /** The trace id of no trace (W3C Trace Context: all zeros). */
    private static final String INVALID_TRACE = "00000000000000000000000000000000";

    /** The request of {@code exchange}. */
    public static RequestCorrelation of(ServerWebExchange exchange) {
        return new RequestCorrelation(
                exchange.getRequest().getId(), traceId(exchange.getAttributes()));
    }

    /**
     * The request whose chain a reactive operator runs in, from its Reactor context; {@link #NONE}
     * outside a request (or without an observation registry).
     */
    public static RequestCorrelation of(ContextView context) {
        Object observation = context.getOrDefault(OBSERVATION_KEY, null);
        if (observation instanceof Observation observed
                && observed.getContext() instanceof ServerRequestObservationContext server) {
            ServerHttpRequest request = server.getCarrier();
            return new RequestCorrelation(
                    request == null ? null : request.getId(), TRACING ? Traces.of(server) : null);
        }
        return NONE;
    }

    /**
     * The trace id of the request whose exchange attributes these are, or {@code null}: no
     * observation, no tracer, no trace.
     */
    public static String traceId(Map<String, Object> attributes) {
        if (!TRACING) {
            return null;
        }
        ServerRequestObservationContext context =
                ServerRequestObservationContext.findCurrent(attributes).orElse(null);
        return context == null ? null : Traces.of(context);
    }

    /**
     * The ids as SLF4J key-value pairs ({@code request_id}, {@code trace_id}): fields of their own
     * in Spring Boot's structured formats (ECS, Logstash, GELF).
     */
    public LoggingEventBuilder addTo(LoggingEventBuilder event) {
        if (requestId != null) {
            event.addKeyValue("request_id", requestId);
        }
        if (traceId != null) {
            event.addKeyValue("trace_id", traceId);
        }
        return event;
    }

    /** For the message of a plain-text line: {@code " [request 1a2b-3, trace 4bf9...]"}, or "". */
    public String suffix() {
        if (requestId == null && traceId == null) {
            return "";
        }
        StringBuilder text = new StringBuilder(" [");
        if (requestId != null) {
            text.append("request ").append(requestId);
        }
        if (traceId != null) {
            text.append(requestId != null ? ", " : "").append("trace ").append(traceId);
        }
        return text.append(']').toString();
    }

    /**
     * What needs Micrometer Tracing, in a class of its own: loaded only when it is on the class
     * path (it is an optional dependency of the gateway).
     */
    private static final class Traces {

        private Traces() {}

        static String of(Observation.Context context) {
            TracingObservationHandler.TracingContext tracing =
                    context.get(TracingObservationHandler.TracingContext.class);
            Span span = tracing == null ? null : tracing.getSpan();
            if (span == null) {
                return null;
            }
            // not span.isNoop(): the OpenTelemetry bridge calls an ended span a no-op (it no longer
            // records), and a request's span may have ended by the time its line is written
            TraceContext trace = span.context();
            String id = trace == null ? null : trace.traceId();
            return id == null || id.isEmpty() || INVALID_TRACE.equals(id) ? null : id;
        }
    }
}
