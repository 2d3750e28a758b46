package dev.keygate.gateway.accesslog;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.TracingObservationHandler;
import java.util.Map;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

/**
 * The trace id of a request, read from its exchange, not from thread locals (the request completes
 * on whatever thread): WebFlux keeps the request's observation context in an exchange attribute
 * ({@link ServerRequestObservationContext#findCurrent}), and Micrometer Tracing's handler keeps the
 * span it started for that observation in the context, under {@link
 * TracingObservationHandler.TracingContext}'s class. The span is still there after the observation
 * stopped, and its trace id does not change.
 *
 * <p>Only loaded when Micrometer Tracing is on the classpath (it is an optional dependency); {@link
 * AccessLogWebFilter} checks. Stateless and thread-safe.
 */
final class MicrometerTraceIds {

    /** The trace id of no trace (W3C Trace Context: all zeros). */
    private static final String INVALID = "00000000000000000000000000000000";

    private MicrometerTraceIds() {}

    /** The trace id, or {@code null}: no observation, no tracing handler, or a no-op span. */
    static String of(Map<String, Object> attributes) {
        ServerRequestObservationContext context =
                ServerRequestObservationContext.findCurrent(attributes).orElse(null);
        if (context == null) {
            return null;
        }
        TracingObservationHandler.TracingContext tracing =
                context.get(TracingObservationHandler.TracingContext.class);
        Span span = tracing == null ? null : tracing.getSpan();
        if (span == null) {
            return null;
        }
        // not span.isNoop(): the OpenTelemetry bridge calls an ended span a no-op (it no longer
        // records), and the request's span has ended by the time its line is taken
        TraceContext trace = span.context();
        String id = trace == null ? null : trace.traceId();
        return id == null || id.isEmpty() || INVALID.equals(id) ? null : id;
    }
}
