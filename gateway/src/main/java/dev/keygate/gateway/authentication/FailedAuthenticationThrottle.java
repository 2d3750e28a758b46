package dev.keygate.gateway.authentication;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.keygate.gateway.support.BoundedCaches;
import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.web.server.ServerWebExchange;

/**
 * Counts failed authentications per client address in fixed one-minute windows. Once an address has
 * {@code maxFailures} failures in its current window it is <em>limited</em> until the window ends
 * ({@link #retryAfter}): its failed attempts are answered 429, and it may have key ids that are not
 * in the cache looked up in Redis at most {@code lookupsPerSecond} times a second ({@link
 * #tryLookup}). What it protects is Redis, from a flood of well-formed made-up ids, each of which
 * would otherwise cost a read; it does not protect secrets, which have 178 random bits and cannot
 * be guessed at any rate. So it never refuses a valid key for other requests' failures: many
 * clients share one address behind a load balancer, an ingress, a corporate proxy or a NAT, and one
 * broken client must not lock out the others. A key in the cache is verified as usual, and a key
 * this gateway verified from the store in the last day ({@link #recordVerified}) is looked up
 * outside the allowance. What is left: a valid key this gateway has never verified, from an address
 * that floods made-up ids faster than the allowance, may get 429 until the flood stops.
 *
 * <p>The client is the address Spring Cloud Gateway's {@link RemoteAddressResolver} bean gives
 * ({@link ClientAddressResolver} by default): an IPv4 address, or the /64 network of an IPv6 one,
 * since one IPv6 client holds a whole /64.
 *
 * <p>Windows are kept in a bounded Caffeine cache (a flood of addresses evicts the oldest windows,
 * it never grows the heap without bound). Thread-safe; the count is approximate under races, by at
 * most the number of concurrent requests.
 */
public final class FailedAuthenticationThrottle implements AuthenticationThrottle {

    private static final Duration WINDOW = Duration.ofMinutes(1);

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    /** How long an id verified from the store skips the lookup allowance. */
    private static final Duration VERIFIED_FOR = Duration.ofHours(24);

    private final int maxFailures;
    private final int lookupsPerSecond;
    private final RemoteAddressResolver addresses;
    private final Ticker ticker;
    private final Cache<String, Window> windows;
    private final Cache<String, Boolean> verified;

    public FailedAuthenticationThrottle(
            int maxFailures,
            int lookupsPerSecond,
            long maximumAddresses,
            RemoteAddressResolver addresses,
            Ticker ticker) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("max failures must be positive, was " + maxFailures);
        }
        if (lookupsPerSecond < 0) {
            throw new IllegalArgumentException(
                    "lookups per second must not be negative, was " + lookupsPerSecond);
        }
        this.maxFailures = maxFailures;
        this.lookupsPerSecond = lookupsPerSecond;
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.windows = BoundedCaches.builder(maximumAddresses, WINDOW, ticker).build();
        this.verified = BoundedCaches.builder(maximumAddresses, VERIFIED_FOR, ticker).build();
    }

    /**
     * The client address of {@code exchange}, as text: an IPv4 address, or the /64 network of an
     * IPv6 one ({@code 2001:db8:1:2::/64}); {@code "unknown"} when there is none.
     */
    @Override
    public String client(ServerWebExchange exchange) {
        InetSocketAddress remote = addresses.resolve(exchange);
        if (remote == null || remote.getAddress() == null) {
            return "unknown";
        }
        InetAddress address = remote.getAddress();
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            Arrays.fill(bytes, 8, 16, (byte) 0);
            return NetUtil.bytesToIpAddress(bytes) + "/64";
        }
        return address.getHostAddress();
    }

    /**
     * How long {@code address} must wait before trying again, or {@link Duration#ZERO} when it may
     * try now.
     */
    @Override
    public Duration retryAfter(String address) {
        Window window = windows.getIfPresent(address);
        if (window == null || window.failures.get() < maxFailures) {
            return Duration.ZERO;
        }
        long remaining = window.startNanos + WINDOW.toNanos() - ticker.read();
        return remaining > 0 ? Duration.ofNanos(remaining) : Duration.ZERO;
    }

    /**
     * Whether a limited {@code address} may have the uncached key id {@code keyId} looked up now:
     * always when this gateway {@linkplain #recordVerified verified} it in the last day, else
     * within the {@link #tryLookup(String) allowance}.
     */
    @Override
    public boolean tryLookup(String address, String keyId) {
        return wasVerified(keyId) || tryLookup(address);
    }

    /**
     * Whether a limited {@code address} may have one more uncached key id looked up now: at most
     * {@code lookupsPerSecond} per second (fixed one-second slots). Only asked once {@link
     * #retryAfter} is not zero.
     */
    boolean tryLookup(String address) {
        Window window = windows.getIfPresent(address);
        if (window == null) {
            return true;
        }
        long slot = ticker.read() / SECOND;
        synchronized (window) {
            if (window.lookupSlot != slot) {
                window.lookupSlot = slot;
                window.lookups = 0;
            }
            if (window.lookups < lookupsPerSecond) {
                window.lookups++;
                return true;
            }
            return false;
        }
    }

    /** How long a limited address refused a lookup should wait: until the next one-second slot. */
    @Override
    public Duration retryAfterLookup() {
        return Duration.ofNanos(SECOND - ticker.read() % SECOND);
    }

    /**
     * Remembers that the key with {@code id} was verified valid from the store (its secret was
     * presented): for a day its lookups skip the allowance of limited addresses, so a flood of
     * made-up ids cannot crowd out a valid key whose cache entry expired. Only a caller with the
     * secret gets an id in here.
     */
    @Override
    public void recordVerified(String id) {
        verified.put(id, Boolean.TRUE);
    }

    /** Whether {@code id} was {@linkplain #recordVerified verified} in the last day. */
    public boolean wasVerified(String id) {
        return verified.getIfPresent(id) != null;
    }

    /** Records one failed attempt from {@code address}. */
    @Override
    public void recordFailure(String address) {
        windows.get(address, key -> new Window(ticker.read())).failures.incrementAndGet();
    }

    private static final class Window {
        final long startNanos;
        final AtomicInteger failures = new AtomicInteger();
        long lookupSlot = -1; // guarded by this
        int lookups; // guarded by this

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }
}
