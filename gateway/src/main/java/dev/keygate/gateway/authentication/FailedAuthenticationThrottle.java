package dev.keygate.gateway.authentication;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts failed authentications per client address in fixed one-minute windows. Once an address has
 * {@code maxFailures} failures in its current window, every authentication attempt from it is
 * refused with 429 until the window ends, before any parsing or Redis lookup, so guessing keys
 * costs the guesser time and costs Redis nothing. Valid keys from that address are refused too:
 * letting cached keys through would let a guesser probe secrets of a known id.
 *
 * <p>Windows are kept in a bounded Caffeine cache (a flood of addresses evicts the oldest windows,
 * it never grows the heap without bound). Thread-safe; the count is approximate under races, by at
 * most the number of concurrent requests.
 */
public final class FailedAuthenticationThrottle {

    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final int maxFailures;
    private final Ticker ticker;
    private final Cache<String, Window> windows;

    public FailedAuthenticationThrottle(int maxFailures, long maximumAddresses, Ticker ticker) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("max failures must be positive, was " + maxFailures);
        }
        this.maxFailures = maxFailures;
        this.ticker = ticker;
        this.windows =
                Caffeine.newBuilder()
                        .maximumSize(maximumAddresses)
                        .expireAfterWrite(WINDOW)
                        .ticker(ticker)
                        .executor(Runnable::run)
                        .build();
    }

    /**
     * How long {@code address} must wait before trying again, or {@link Duration#ZERO} when it may
     * try now.
     */
    public Duration retryAfter(String address) {
        Window window = windows.getIfPresent(address);
        if (window == null || window.failures.get() < maxFailures) {
            return Duration.ZERO;
        }
        long remaining = window.startNanos + WINDOW.toNanos() - ticker.read();
        return remaining > 0 ? Duration.ofNanos(remaining) : Duration.ZERO;
    }

    /** Records one failed attempt from {@code address}. */
    public void recordFailure(String address) {
        windows.get(address, key -> new Window(ticker.read())).failures.incrementAndGet();
    }

    private static final class Window {
        final long startNanos;
        final AtomicInteger failures = new AtomicInteger();

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }
}
