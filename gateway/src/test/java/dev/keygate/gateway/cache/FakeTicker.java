package dev.keygate.gateway.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that moves only when a test tells it to. Thread-safe. */
final class FakeTicker implements Ticker {

    private final AtomicLong nanos;

    FakeTicker() {
        this(0);
    }

    FakeTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
