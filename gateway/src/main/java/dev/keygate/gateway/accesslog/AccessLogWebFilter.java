package dev.keygate.gateway.accesslog;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.gateway.authentication.ApiKeyAuthenticationFilter;
import dev.keygate.gateway.authentication.Refusal;
import dev.keygate.gateway.support.RequestCorrelation;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * Hands one {@link AccessLogEntry} per request to the {@link AccessLogWriter}: proxied requests,
 * Keygate's refusals, the request firewall's, and requests no route matched. Runs before every
 * other Keygate web filter ({@link #ORDER}, before the firewall), so it sees them all.
 *
 * <p>On arrival it reads the clock and {@code System.nanoTime}, and wraps the response to count the
 * body bytes written through it (a {@code doOnNext} on the body; a {@code Mono} body stays a {@code
 * Mono}, so a refusal keeps its {@code Content-Length}). When the request completes it takes raw
 * values (no formatting on the event loop): the key id and owner from {@link
 * ApiKeyAuthenticationFilter#IDENTIFIED_KEY_ATTRIBUTE}, the refusal's reason from {@link
 * ApiKeyAuthenticationFilter#REFUSAL_ATTRIBUTE}, the trace id from the request's observation (when
 * Micrometer Tracing is present), the client address from the throttle's {@link
 * RemoteAddressResolver}. Never the presented key, a secret or a request header.
 *
 * <p>The status logged:
 *
 * <ul>
 *   <li>completed: the response's status;
 *   <li>ended in an error that is answered after this filter (by Spring's error handling: a 404 of
 *       no route, an upstream that cannot be reached): the status of the error when it is a {@link
 *       ErrorResponse} (such as {@code ResponseStatusException}), else 500, as Spring Boot's error
 *       handler answers it; the status already sent when the response was committed. The error page
 *       is written past this filter, so its bytes are not counted;
 *   <li>cancelled (the client went away): {@value #CLIENT_CLOSED_REQUEST} (nginx's "client closed
 *       request") when nothing was committed yet, else the status already sent, with the bytes
 *       written so far.
 * </ul>
 *
 * <p>When the logger {@value AccessLogWriter#LOGGER_NAME} is not at INFO the filter does nothing
 * per request but that level check. Failure policy: the access log never affects a request; an
 * error while taking the entry loses that line (logged at most once a minute). Thread-safe; never
 * blocks.
 */
public final class AccessLogWebFilter implements WebFilter, Ordered, ApplicationContextAware {

    /** First of Keygate's web filters, before the request firewall. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 1;

    /** The status logged for a request whose client went away before anything was committed. */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    private static final long LOG_EVERY_NANOS = 60_000_000_000L;
    private static final Logger log = LoggerFactory.getLogger(AccessLogWebFilter.class);

    private final AccessLogWriter writer;
    private final RemoteAddressResolver addresses;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final boolean includeQuery;
    private volatile long lastLogged;
    private volatile ApplicationContext context;
    private volatile boolean logged;

    /**
     * @param writer where entries go
     * @param addresses the client address (the throttle's resolver, so trusted proxies count)
     * @param clock the arrival time
     * @param includeQuery whether the raw query is kept (credential parameters are removed when the
     *     line is formatted)
     */
    public AccessLogWebFilter(
            AccessLogWriter writer,
            RemoteAddressResolver addresses,
            Clock clock,
            boolean includeQuery) {
        this(writer, addresses, clock, System::nanoTime, includeQuery);
    }

    AccessLogWebFilter(
            AccessLogWriter writer,
            RemoteAddressResolver addresses,
            Clock clock,
            LongSupplier nanoTime,
            boolean includeQuery) {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.includeQuery = includeQuery;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!writer.isEnabled() || isOtherContext(exchange)) {
            return chain.filter(exchange);
        }
        Recording recording =
                new Recording(exchange.getResponse(), clock.instant(), nanoTime.getAsLong());
        return chain.filter(exchange.mutate().response(recording).build())
                .doOnError(recording::failed)
                .doFinally(signal -> complete(exchange, recording, signal));
    }

    private void complete(ServerWebExchange exchange, Recording recording, SignalType signal) {
        try {
            long duration = nanoTime.getAsLong() - recording.start;
            ServerHttpRequest request = exchange.getRequest();
            KeyRecord key =
                    exchange.getAttribute(ApiKeyAuthenticationFilter.IDENTIFIED_KEY_ATTRIBUTE);
            Refusal refusal = exchange.getAttribute(ApiKeyAuthenticationFilter.REFUSAL_ATTRIBUTE);
            InetSocketAddress client = addresses.resolve(exchange);
            writer.write(
                    new AccessLogEntry(
                            recording.time,
                            request.getMethod().name(),
                            request.getPath().value(),
                            includeQuery ? request.getURI().getRawQuery() : null,
                            recording.status(signal),
                            duration,
                            recording.bytes,
                            key == null ? null : key.id(),
                            key == null ? null : key.owner(),
                            refusal == null ? null : refusal.reason().code(),
                            RequestCorrelation.traceId(exchange.getAttributes()),
                            request.getId(),
                            client == null ? null : client.getAddress()));
        } catch (RuntimeException ex) {
            logRateLimited(ex);
        }
    }

    private void logRateLimited(RuntimeException ex) {
        long now = nanoTime.getAsLong();
        if (!logged || now - lastLogged >= LOG_EVERY_NANOS) {
            logged = true;
            lastLogged = now;
            log.warn("Could not record a request for the access log", ex);
        }
    }

    /**
     * Whether the request is served by another application context than this filter's own: the
     * actuator's, on the management port. Its child context picks up the parent's web filters, so
     * without this check every readiness probe and Prometheus scrape would be logged.
     */
    private boolean isOtherContext(ServerWebExchange exchange) {
        ApplicationContext own = context;
        ApplicationContext serving = exchange.getApplicationContext();
        return own != null && serving != null && serving != own;
    }

    @Override
    public void setApplicationContext(ApplicationContext applicationContext) {
        this.context = applicationContext;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String toString() {
        return "AccessLogWebFilter[order=" + ORDER + ", includeQuery=" + includeQuery + "]";
    }

    /** The response, counting the body bytes written; and what the request's end needs. */
    private static final class Recording extends ServerHttpResponseDecorator {

        final Instant time;
        final long start;

        /** Written by the body's signals (serialised), read at completion. */
        volatile long bytes;

        /** Set by doOnError just before doFinally, on the same thread. */
        private Throwable error;

        Recording(ServerHttpResponse delegate, Instant time, long start) {
            super(delegate);
            this.time = time;
            this.start = start;
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            if (body instanceof Mono<? extends DataBuffer> one) {
                return super.writeWith(one.doOnNext(this::count));
            }
            return super.writeWith(Flux.from(body).doOnNext(this::count));
        }

        @Override
        public Mono<Void> writeAndFlushWith(
                Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return super.writeAndFlushWith(
                    Flux.from(body).map(chunk -> Flux.from(chunk).doOnNext(this::count)));
        }

        private void count(DataBuffer buffer) {
            bytes += buffer.readableByteCount();
        }

        void failed(Throwable failure) {
            error = failure;
        }

        int status(SignalType signal) {
            if (signal == SignalType.CANCEL && !isCommitted()) {
                return CLIENT_CLOSED_REQUEST;
            }
            if (signal == SignalType.ON_ERROR && !isCommitted()) {
                return error instanceof ErrorResponse answer ? answer.getStatusCode().value() : 500;
            }
            HttpStatusCode status = getStatusCode();
            return status == null ? 200 : status.value();
        }
    }
}
