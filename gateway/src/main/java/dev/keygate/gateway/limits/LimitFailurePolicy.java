package dev.keygate.gateway.limits;

import dev.keygate.core.limit.LimitCheck;
import dev.keygate.gateway.authentication.Refusal;
import dev.keygate.gateway.support.RequestCorrelation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The metric {@code keygate.limits{result}} and what happens when Redis does not answer the limit
 * script in time: rate limits fail open (the key was verified; a rate limit protects capacity, and
 * refusing every valid key because Redis is slow would turn a Redis hiccup into an outage), quotas
 * fail open or closed as configured (a quota can be a contract: an operator who bills by it may
 * prefer 503 to free requests). Logged at most once a minute. Thread-safe.
 */
final class LimitFailurePolicy {

    private static final Logger log = LoggerFactory.getLogger(LimitFailurePolicy.class);
    private static final long LOG_EVERY = TimeUnit.MINUTES.toNanos(1);

    private final boolean quotaFailsClosed;
    private final Counter allowed;
    private final Counter rateLimited;
    private final Counter quotaExceeded;
    private final Counter unavailable;
    private final LongSupplier nanoTime;
    private final AtomicLong lastLogged;

    LimitFailurePolicy(boolean quotaFailsClosed, MeterRegistry registry, LongSupplier nanoTime) {
        this.quotaFailsClosed = quotaFailsClosed;
        this.allowed = counter(registry, "allowed");
        this.rateLimited = counter(registry, "rate_limited");
        this.quotaExceeded = counter(registry, "quota_exceeded");
        this.unavailable = counter(registry, "unavailable");
        this.nanoTime = nanoTime;
        this.lastLogged = new AtomicLong(nanoTime.getAsLong() - LOG_EVERY);
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("keygate.limits")
                .description("Requests checked against usage limits, by result")
                .tag("result", result)
                .register(registry);
    }

    /** Counts an answered check. */
    LimitOutcome counted(LimitOutcome outcome) {
        if (outcome.allowed()) {
            allowed.increment();
        } else if (outcome.refusal().reason() == Refusal.Reason.QUOTA_EXCEEDED) {
            quotaExceeded.increment();
        } else {
            rateLimited.increment();
        }
        return outcome;
    }

    /**
     * The outcome when the checks could not be made, for a limiter's {@code onErrorResume}: the
     * request it is for (read from the Reactor context) is named in the line, when one is logged.
     */
    Mono<LimitOutcome> unavailable(List<LimitCheck> checks, Throwable error) {
        return Mono.deferContextual(
                context -> Mono.just(unavailable(checks, error, RequestCorrelation.of(context))));
    }

    private LimitOutcome unavailable(
            List<LimitCheck> checks, Throwable error, RequestCorrelation request) {
        unavailable.increment();
        long now = nanoTime.getAsLong();
        long last = lastLogged.get();
        if (now - last >= LOG_EVERY && lastLogged.compareAndSet(last, now)) {
            request.addTo(log.atWarn())
                    .log(
                            "Usage limits could not be checked ({}); rate limits fail open, quotas"
                                    + " fail {} (logged at most once a minute; see"
                                    + " keygate.limits{{result=unavailable}}){}",
                            error.toString(),
                            quotaFailsClosed ? "closed" : "open",
                            request.suffix());
        }
        if (quotaFailsClosed && checks.stream().anyMatch(LimitCheck::isQuota)) {
            return new LimitOutcome(Refusal.of(Refusal.Reason.LIMITS_UNAVAILABLE), null, null);
        }
        return LimitOutcome.UNLIMITED;
    }
}
