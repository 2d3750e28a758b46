package dev.keygate.gateway.authentication;

import dev.keygate.gateway.support.RequestCorrelation;
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.web.server.ServerWebExchange;

/**
 * Counts and logs the errors that turn a request into a 503, so that a bug is told apart from Redis
 * being down: {@code keygate.auth.errors} with tags {@code kind} ({@code store}: Redis or a timeout
 * asking it; {@code unexpected}: anything else, a bug) and {@code exception} (the class's simple
 * name). Each exception class is logged at most once a minute (WARN with the stack for unexpected
 * ones, WARN with the message for store ones); the key is never in the message, since no part of
 * the request path puts it into an exception. Thread-safe; never blocks.
 */
final class RequestPathErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiKeyAuthenticationFilter.class);

    private static final long NEVER = Long.MIN_VALUE;

    private static final long LOG_EVERY = Duration.ofMinutes(1).toNanos();

    /** Distinct exception classes tracked at most (a bound, in case of generated classes). */
    private static final int MAXIMUM_CLASSES = 256;

    private final MeterRegistry registry;
    private final LongSupplier nanoTime;
    private final ConcurrentMap<Class<?>, Tracked> storeFailures = new ConcurrentHashMap<>();
    private final ConcurrentMap<Class<?>, Tracked> unexpected = new ConcurrentHashMap<>();

    RequestPathErrors(MeterRegistry registry, LongSupplier nanoTime) {
        this.registry = registry;
        this.nanoTime = nanoTime;
    }

    /** Whether {@code error} means the key store could not be asked (not a bug). */
    static boolean isStoreFailure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof RedisException
                    || cause instanceof DataAccessException
                    || cause instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Counts {@code error} and logs it unless its class was logged in the last minute; the line
     * names the request it happened on (request id and trace id, see {@link RequestCorrelation}).
     */
    void record(Throwable error, ServerWebExchange exchange) {
        boolean store = isStoreFailure(error);
        ConcurrentMap<Class<?>, Tracked> tracking = store ? storeFailures : unexpected;
        Class<?> type = error.getClass();
        Tracked tracked = tracking.get(type);
        if (tracked == null) {
            if (tracking.size() >= MAXIMUM_CLASSES) {
                tracking.clear();
            }
            tracked = tracking.computeIfAbsent(type, key -> new Tracked(key, store));
        }
        tracked.counter.increment();
        long now = nanoTime.getAsLong();
        long last = tracked.lastLogged.get();
        if ((last == NEVER || now - last >= LOG_EVERY)
                && tracked.lastLogged.compareAndSet(last, now)) {
            RequestCorrelation request = RequestCorrelation.of(exchange);
            if (store) {
                request.addTo(log.atWarn())
                        .log(
                                "API keys cannot be verified, answering 503: the key store failed"
                                        + " ({}: {}); logged at most once a minute per cause,"
                                        + " counted in keygate.auth.errors{}",
                                type.getSimpleName(),
                                error.getMessage(),
                                request.suffix());
            } else {
                request.addTo(log.atWarn())
                        .setCause(error)
                        .log(
                                "Unexpected error on the request path, answering 503 (logged at"
                                        + " most once a minute per cause, counted in"
                                        + " keygate.auth.errors){}",
                                request.suffix());
            }
        }
    }

    private final class Tracked {
        final Counter counter;
        final AtomicLong lastLogged = new AtomicLong(NEVER);

        Tracked(Class<?> type, boolean store) {
            this.counter =
                    Counter.builder("keygate.auth.errors")
                            .description(
                                    "Errors that turned a request into a 503, by kind (store:"
                                            + " Redis down or slow; unexpected: a bug) and exception")
                            .tag("kind", store ? "store" : "unexpected")
                            .tag("exception", type.getSimpleName())
                            .register(registry);
        }
    }
}
